from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "safetyhub.investigations"
    label = "investigations"
    verbose_name = "Investigation and resolution"

    def ready(self) -> None:
        from safetyhub.core import demo

        from .demo import load_investigations_demo

        demo.register_demo_loader(load_investigations_demo)
