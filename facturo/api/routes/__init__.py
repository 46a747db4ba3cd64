"""The API's operations, one module per resource; each calls services and nothing deeper."""
