"""Console users: adding them and checking a password (argon2 hashes, never the password)."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User, UserRole
from tracker import audit
from tracker.errors import Conflict, Invalid, NotFound

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the user is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("tracker-dummy-password")

ROLE_LABELS = {
    UserRole.SECRETARIAT: "사무국",
    UserRole.CHAIR: "분과장",
    UserRole.ADMIN: "관리자",
}


def role(value: str) -> UserRole:
    """The UserRole named `value` (secretariat, chair, admin); UserError otherwise."""
    try:
        return UserRole(value)
    except ValueError:
        names = ", ".join(r.value for r in UserRole)
        raise Invalid(f"알 수 없는 역할입니다: {value!r}. 가능한 값: {names}") from None


def add_user(session: Session, username: str, password: str, user_role: UserRole,
             email: str | None = None, actor: str = "cli") -> User:
    """Create the console user `username`; UserError when the name is taken or the password short."""
    username = username.strip()
    if not username:
        raise Invalid("사용자 이름을 적어 주세요.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"암호는 {MIN_PASSWORD_LENGTH}자 이상이어야 합니다.")
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"사용자 {username!r}이(가) 이미 있습니다.")
    user = User(username=username, password_hash=_hasher.hash(password), role=user_role,
                email=email)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_added", username=username, role=user_role.value)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user when `password` is theirs and the account is not disabled, else None (same
    work for unknown names)."""
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and user.disabled_at is None else None


def list_users(session: Session) -> list[User]:
    """Every console user, by name."""
    return list(session.scalars(select(User).order_by(User.username)))


def end_sessions(session: Session, user_id: int) -> User:
    """End every session of the user at once (their session version moves on)."""
    user = _existing(session, user_id)
    user.session_version += 1
    return user


def set_disabled(session: Session, user_id: int, disabled: bool, actor: str,
                 now: datetime) -> User:
    """Disable the user (they cannot log in, and their sessions end now) or enable them again."""
    user = end_sessions(session, user_id)
    user.disabled_at = now if disabled else None
    audit.record(session, actor, "user_disabled" if disabled else "user_enabled",
                 username=user.username)
    return user


def reset_password(session: Session, user_id: int, password: str, actor: str) -> User:
    """Give the user a new password; their sessions end now."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"암호는 {MIN_PASSWORD_LENGTH}자 이상이어야 합니다.")
    user = end_sessions(session, user_id)
    user.password_hash = _hasher.hash(password)
    audit.record(session, actor, "password_reset", username=user.username)
    return user


def _existing(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"사용자 {user_id}번이 없습니다.")
    return user


def get_user(session: Session, user_id: int) -> User | None:
    """The user with `user_id`, or None."""
    return session.get(User, user_id)
