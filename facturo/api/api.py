from ninja import NinjaAPI

api = NinjaAPI(title="facturo", version="1", urls_namespace="api-v1")
