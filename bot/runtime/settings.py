"""Configuration (pydantic-settings) from the environment, then ``.env`` in the working folder,
then ``fazhi.env`` in the data home: the order of :mod:`bot.runtime.sources`, which ``fazhi``
also applies to the environment before any command runs."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


class _HomeFileSource(DotEnvSettingsSource):
    """The data home's ``fazhi.env``, which cannot move the data home it is found in."""

    def __call__(self) -> dict[str, object]:
        values = super().__call__()
        values.pop("fazhi_data_dir", None)
        return values


class Settings(BaseSettings):
    """Every setting has an environment variable of the same name (upper case)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = Field(default=None, description="BotFather token")
    telegram_api_base_url: str | None = Field(
        default=None,
        description="PTB base_url, e.g. http://127.0.0.1:8081/bot for a local Bot API server",
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite default")
    fazhi_admin_ids: str = Field(default="", description="Telegram user ids, comma-separated")
    fazhi_data_dir: str | None = Field(
        default=None, description="data home; default: the platform's user data folder"
    )
    fazhi_webhook_url: str | None = None
    fazhi_webhook_listen: str = "0.0.0.0"
    fazhi_webhook_port: int = 8443
    fazhi_webhook_secret: str | None = None
    fazhi_questions_per_minute: int = Field(default=20, ge=1, le=1000)
    fazhi_poll_timeout: float = Field(default=30.0, ge=0)
    fazhi_group_members_may_act: bool = Field(
        default=False,
        description="any member of a unit's group may confirm or re-register (default: liaisons)",
    )
    dingtalk_client_id: str | None = Field(
        default=None, description="DingTalk internal app's Client ID (AppKey); Stream mode"
    )
    dingtalk_client_secret: SecretStr | None = Field(
        default=None, description="DingTalk internal app's Client Secret (AppSecret)"
    )
    dingtalk_robot_code: str | None = Field(
        default=None, description="the app robot's robotCode (default: the client id)"
    )
    dingtalk_admin_staff_ids: str = Field(
        default="", description="DingTalk staffIds of the admins, comma-separated"
    )
    dingtalk_card_template_id: str | None = Field(
        default=None, description="the interactive card template with the buttons (README)"
    )
    dingtalk_api_base_url: str | None = Field(
        default=None, description="OpenAPI base URL (default https://api.dingtalk.com)"
    )
    dingtalk_oapi_base_url: str | None = Field(
        default=None, description="the older API's URL, for uploads (https://oapi.dingtalk.com)"
    )
    fazhi_send_interval: float = Field(
        default=2.0, gt=0, le=60, description="seconds between outbox runs when it is empty"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from bot.runtime.sources import home_file

        home = _HomeFileSource(settings_cls, env_file=home_file(), env_file_encoding="utf-8")
        return (init_settings, env_settings, dotenv_settings, home, file_secret_settings)

    @field_validator(
        "telegram_bot_token", "dingtalk_client_id", "dingtalk_client_secret", mode="before"
    )
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @cached_property
    def admin_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        for part in self.fazhi_admin_ids.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.lstrip("-").isdigit():
                raise ValueError(f"FAZHI_ADMIN_IDS 中的“{part}”不是 Telegram 用户 ID（应为数字）。")
            ids.add(int(part))
        return frozenset(ids)

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def dingtalk_configured(self) -> bool:
        return bool(self.dingtalk_client_id and self.dingtalk_client_secret)

    @cached_property
    def dingtalk_admins(self) -> frozenset[str]:
        """The admins' DingTalk staffIds (as written: staffIds are not numbers everywhere)."""
        parts = self.dingtalk_admin_staff_ids.replace("，", ",").split(",")
        return frozenset(p.strip() for p in parts if p.strip())

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret set, for the log redaction."""
        found = [self.token]
        if self.dingtalk_client_secret is not None:
            found.append(self.dingtalk_client_secret.get_secret_value())
        return tuple(s for s in found if s)
