"""Passkeys (WebAuthn) for everyone: adding them, signing in with one, and the staff second step.

The ceremonies are py_webauthn's (``webauthn``); this module keeps their state. Every
challenge is random, kept server-side (its hash, in ``webauthn_challenges``) bound to the
browser that asked for it (the hash of its session cookie, or of a short-lived cookie
before sign-in) and to what it is for, and spent once before the answer is checked: a
replayed answer finds its challenge spent. The relying-party id is the public host and
the expected origin the public address, so an answer made for another site is refused.

* A passkey sign-in needs no e-mail address (discoverable credentials). It is throttled
  like a password sign-in (the same failure counts, per account and per address), makes
  a fresh session, and counts as both factors for clinicians and admins, for whom the
  authenticator must have verified the person (PIN or biometrics); for patients user
  verification is preferred, not required.
* After a password, a clinician or admin with a passkey may use it instead of the code
  (:meth:`Passkeys.finish_second`); only that person's own passkeys are accepted.
* The sign count must grow with each use, or the answer is refused as a possible clone
  (py_webauthn checks it; the new count is stored only if nobody moved it meanwhile).
* Adding a passkey asks for the password again (a stolen session cannot add its own).
* A clinician or admin cannot remove their last passkey if they have no TOTP either.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from backcare.accounts import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    SESSION_HOURS,
    SWITCHED_OFF,
    THROTTLE_WINDOW,
    Accounts,
    SignIn,
    SignInError,
    TooManyAttemptsError,
    _audit_sign_in,
    _too_many,
    verify_password,
)
from backcare.errors import ConflictError, FieldProblem, InputError, NotFoundError
from backcare.i18n import N_, gettext
from backcare.store.passkeys import Passkey, PasskeyRepository
from backcare.store.people import PeopleRepository, Person

__all__ = ["CHALLENGE_SECONDS", "PASSKEY_REFUSED", "Passkeys"]

#: How long the browser has to answer a challenge.
CHALLENGE_SECONDS = 300
#: The one answer to a passkey that does not sign in (whatever was wrong with it).
PASSKEY_REFUSED = N_("that passkey did not work here; try again, or use your password")
_NAME_LENGTH = 60


@dataclass(frozen=True, slots=True)
class _Repos:
    people: PeopleRepository
    passkeys: PasskeyRepository


def _b64url(data: bytes) -> str:
    from webauthn.helpers import bytes_to_base64url

    return str(bytes_to_base64url(data))


def _challenge_of(credential: dict[str, Any]) -> str:
    """The challenge the browser says it answered (base64url), read from ``clientDataJSON``.

    It only finds the stored challenge; py_webauthn then checks the answer against it.
    """
    from webauthn.helpers import base64url_to_bytes

    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        challenge = client_data["challenge"]
    except (KeyError, TypeError, ValueError) as exc:
        raise _unreadable() from exc
    if not isinstance(challenge, str) or not challenge or len(challenge) > 200:
        raise _unreadable()
    return challenge


def _unreadable() -> InputError:
    return InputError(
        gettext("the passkey's answer cannot be read"),
        problems=[FieldProblem("credential", gettext("send what the browser's passkey gave"))],
    )


def _raw_id(credential: dict[str, Any]) -> str:
    raw = credential.get("rawId", credential.get("id"))
    if not isinstance(raw, str) or not raw or len(raw) > 1400:
        raise _unreadable()
    return raw


class Passkeys:
    """Passkey ceremonies for one relying party (the hosted app's public address).

    Args:
        accounts: the accounts service (its store and clock).
        rp_id: the public host name (the passkey is bound to it).
        origin: the public address people open (``https://host[:port]``).
    """

    def __init__(self, accounts: Accounts, *, rp_id: str, origin: str) -> None:
        self.accounts = accounts
        self.rp_id = rp_id
        self.origin = origin.rstrip("/")

    @contextmanager
    def _repos(self, *, write: bool) -> Iterator[_Repos]:
        store = self.accounts.store
        with store.write() if write else store.read() as repo:
            yield _Repos(PeopleRepository(repo.session), PasskeyRepository(repo.session))

    def _keep_challenge(
        self, challenge: bytes, *, purpose: str, browser: str, person_id: int | None
    ) -> None:
        with self._repos(write=True) as repos:
            repos.passkeys.add_challenge(
                _b64url(challenge),
                purpose=purpose,
                browser=browser,
                person_id=person_id,
                now=self.accounts.now(),
                seconds=CHALLENGE_SECONDS,
            )

    # --- the person's own passkeys --------------------------------------------------

    def of(self, person: Person) -> list[Passkey]:
        """The person's passkeys, oldest first."""
        with self._repos(write=False) as repos:
            return repos.passkeys.of(person.id)

    def registration_options(
        self, person: Person, *, browser: str, password: str, address: str
    ) -> str:
        """Options (JSON) for ``navigator.credentials.create``; the challenge is kept.

        The password is asked again so that a stolen session cannot add a passkey of its
        own and keep access after the session ends.

        Args:
            person: the signed-in person adding a passkey.
            browser: the browser's session token (the challenge is bound to it).
            password: the person's password, to confirm.
            address: where the request comes from (for throttling).

        Raises:
            TooManyAttemptsError: too many recent failures for the account or address.
            SignInError: the password is not right.
        """
        from webauthn import generate_registration_options, options_to_json
        from webauthn.helpers.structs import (
            AuthenticatorSelectionCriteria,
            PublicKeyCredentialDescriptor,
            ResidentKeyRequirement,
            UserVerificationRequirement,
        )

        account = person.email or ""
        self._throttle(account, address)
        with self._repos(write=False) as repos:
            hashed = repos.people.credentials(person.id)[0]
        if not verify_password(hashed, password):
            with self._repos(write=True) as repos:
                repos.people.add_failure(account=account, address=address, now=self.accounts.now())
            raise SignInError(gettext("that password is not right; no passkey was added"))

        existing = [
            PublicKeyCredentialDescriptor(id=_bytes(passkey.credential_id))
            for passkey in self.of(person)
        ]
        options = generate_registration_options(
            rp_id=self.rp_id,
            rp_name="backcare",
            # The user handle is the account number: no e-mail address in the authenticator's
            # handle, and the same person always gets the same one.
            user_id=f"backcare-{person.id}".encode(),
            user_name=person.email or f"backcare-{person.id}",
            user_display_name=person.display_name or person.email or "",
            timeout=CHALLENGE_SECONDS * 1000,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=existing,
        )
        self._keep_challenge(
            options.challenge, purpose="register", browser=browser, person_id=person.id
        )
        return str(options_to_json(options))

    def finish_registration(
        self, person: Person, credential: dict[str, Any], *, browser: str, name: str = ""
    ) -> Passkey:
        """Check the browser's answer to :meth:`registration_options` and keep the passkey.

        Raises:
            InputError: the answer is unreadable, its challenge is unknown, used or
                expired, or it does not verify (another site, a changed answer).
            ConflictError: the passkey is already registered.
        """
        from webauthn import verify_registration_response
        from webauthn.helpers.exceptions import WebAuthnException

        challenge = _challenge_of(credential)
        now = self.accounts.now()
        with self._repos(write=True) as repos:
            spent, owner = repos.passkeys.spend_challenge(
                challenge, purpose="register", browser=browser, now=now
            )
        if not spent or owner != person.id:
            raise _expired()
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=_bytes(challenge),
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
            raise InputError(
                gettext("this passkey could not be added; please try again"),
                problems=[
                    FieldProblem("credential", gettext("the passkey's answer did not check out"))
                ],
            ) from exc
        transports = credential.get("response", {}).get("transports") or []
        kept = tuple(str(t)[:20] for t in transports if isinstance(t, str))[:8]
        credential_id = _b64url(verified.credential_id)
        with self._repos(write=True) as repos:
            if repos.passkeys.exists(credential_id):
                raise ConflictError(gettext("this passkey is already registered"))
            count = repos.passkeys.count(person.id)
            label = " ".join(name.split())[:_NAME_LENGTH] or gettext("Passkey {number}").format(
                number=count + 1
            )
            return repos.passkeys.add(
                person.id,
                credential_id=credential_id,
                public_key=_b64url(verified.credential_public_key),
                sign_count=verified.sign_count,
                transports=kept,
                name=label,
                now=now,
            )

    def remove(self, person: Person, passkey_id: int) -> None:
        """Remove one of the person's passkeys.

        Raises:
            NotFoundError: the person has no passkey with that id.
            ConflictError: it is the last second factor of a clinician or admin.
        """
        with self._repos(write=True) as repos:
            # Lock the account row so two removals at once cannot both pass the check.
            repos.people.lock(person.id)
            has_totp = repos.people.credentials(person.id)[1] is not None
            if person.needs_second_factor and not has_totp and repos.passkeys.count(person.id) <= 1:
                mine = {p.id for p in repos.passkeys.of(person.id)}
                if passkey_id in mine:
                    raise ConflictError(
                        gettext(
                            "this is your only second factor, so it cannot be removed: "
                            "add another passkey first"
                        )
                    )
            if not repos.passkeys.remove(person.id, passkey_id):
                raise NotFoundError(gettext("you have no such passkey"))

    # --- signing in -----------------------------------------------------------------

    def signin_options(self, *, browser: str, person: Person | None = None) -> str:
        """Options (JSON) for ``navigator.credentials.get``; the challenge is kept.

        Args:
            browser: the token the challenge is bound to (a short-lived cookie before
                sign-in; the half-signed session for the second step).
            person: for the second step, the person whose passkeys may answer; ``None``
                for a sign-in with any passkey the browser finds (discoverable).
        """
        from webauthn import generate_authentication_options, options_to_json
        from webauthn.helpers.structs import (
            PublicKeyCredentialDescriptor,
            UserVerificationRequirement,
        )

        allowed = (
            [
                PublicKeyCredentialDescriptor(id=_bytes(passkey.credential_id))
                for passkey in self.of(person)
            ]
            if person is not None
            else []
        )
        options = generate_authentication_options(
            rp_id=self.rp_id,
            timeout=CHALLENGE_SECONDS * 1000,
            allow_credentials=allowed,
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        self._keep_challenge(
            options.challenge,
            purpose="second" if person is not None else "signin",
            browser=browser,
            person_id=person.id if person is not None else None,
        )
        return str(options_to_json(options))

    def finish_signin(self, credential: dict[str, Any], *, browser: str, address: str) -> SignIn:
        """Check a passkey sign-in and start a fully signed-in session.

        Raises:
            TooManyAttemptsError: too many recent failures for the account or address.
            SignInError: unknown passkey, spent challenge, or an answer that does not verify.
        """
        now = self.accounts.now()
        with self._repos(write=False) as repos:
            passkey = repos.passkeys.by_credential_id(_raw_id(credential))
            person = repos.people.person(passkey.person_id) if passkey is not None else None
        account = (person.email or "") if person is not None else ""
        self._throttle(account, address)
        challenge = _challenge_of(credential)
        with self._repos(write=True) as repos:
            spent, _ = repos.passkeys.spend_challenge(
                challenge, purpose="signin", browser=browser, now=now
            )
        if passkey is None or person is None or not spent:
            self._failed(account, address)
        self._verify(
            passkey,
            credential,
            challenge,
            account=account,
            address=address,
            need_verified=person.needs_second_factor,
        )
        if person.disabled:  # said only to whoever holds the passkey
            with self._repos(write=True) as repos:
                _audit_sign_in(
                    repos.people, person, "sign_in_refused", "switched off", address, now
                )
            raise SignInError(gettext(SWITCHED_OFF))
        token = secrets.token_urlsafe(32)
        with self._repos(write=True) as repos:
            repos.people.clear_failures(account)
            repos.people.add_session(token, person.id, now=now, hours=SESSION_HOURS, verified=True)
            _audit_sign_in(repos.people, person, "sign_in", "passkey", address, now)
        return SignIn(token, person, needs_code=False)

    def finish_second(self, credential: dict[str, Any], *, token: str, address: str) -> Person:
        """Check a staff member's passkey as the second step after their password.

        Raises:
            TooManyAttemptsError: too many recent failures.
            SignInError: no half-signed session, a passkey that is not this person's, a
                spent challenge, or an answer that does not verify.
        """
        now = self.accounts.now()
        with self._repos(write=False) as repos:
            found = repos.people.session_person(token, now=now)
            passkey = repos.passkeys.by_credential_id(_raw_id(credential))
        if found is None:
            raise SignInError(gettext("please sign in again"))
        person = found[0]
        account = person.email or ""
        self._throttle(account, address)
        challenge = _challenge_of(credential)
        with self._repos(write=True) as repos:
            spent, owner = repos.passkeys.spend_challenge(
                challenge, purpose="second", browser=token, now=now
            )
        if passkey is None or not spent or owner != person.id or passkey.person_id != person.id:
            self._failed(account, address)
        self._verify(
            passkey, credential, challenge, account=account, address=address, need_verified=False
        )
        with self._repos(write=True) as repos:
            repos.people.verify_session(token)
            _audit_sign_in(repos.people, person, "sign_in", "password and passkey", address, now)
        return person

    def _verify(
        self,
        passkey: Passkey,
        credential: dict[str, Any],
        challenge: str,
        *,
        account: str,
        address: str,
        need_verified: bool,
    ) -> None:
        from webauthn import verify_authentication_response
        from webauthn.helpers.exceptions import WebAuthnException

        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=_bytes(challenge),
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
                credential_public_key=_bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=need_verified,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError):
            self._failed(account, address)
        with self._repos(write=True) as repos:
            moved = repos.passkeys.used(
                passkey.id,
                old_count=passkey.sign_count,
                new_count=verified.new_sign_count,
                now=self.accounts.now(),
            )
        if not moved:  # another answer with a count we had not seen yet got there first
            self._failed(account, address)

    def _throttle(self, account: str, address: str) -> None:
        with self._repos(write=False) as repos:
            by_account, by_address = repos.people.failures(
                account=account, address=address, since=self.accounts.now() - THROTTLE_WINDOW
            )
        if (account and by_account >= ACCOUNT_LIMIT) or by_address >= ADDRESS_LIMIT:
            raise TooManyAttemptsError(_too_many())

    def _failed(self, account: str, address: str) -> NoReturn:
        now = self.accounts.now()
        with self._repos(write=True) as repos:
            repos.people.add_failure(account=account, address=address, now=now)
            person = repos.people.person_by_email(account) if account else None
            _audit_sign_in(repos.people, person, "sign_in_refused", "passkey", address, now)
        raise SignInError(gettext(PASSKEY_REFUSED))


def _bytes(value: str) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    return bytes(base64url_to_bytes(value))


def _expired() -> InputError:
    return InputError(
        gettext("this request has expired or was already used; please try again"),
        problems=[FieldProblem("credential", gettext("start adding the passkey again"))],
    )
