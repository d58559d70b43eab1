"""Schemathesis checks of the service's own conventions, beyond what the document says.

Loaded by run.sh through SCHEMATHESIS_HOOKS and enabled by name in schemathesis.toml.
"""

import schemathesis

PROBLEM_JSON = "application/problem+json"


@schemathesis.check
def problem_json_errors(ctx, response, case):
    """Every 4xx and 5xx is an RFC 9457 problem document whose status matches the answer's."""
    if response.status_code < 400:
        return None
    content_type = ", ".join(response.headers.get("content-type", []))
    # A charset or other parameter after the media type is allowed.
    if content_type.split(";")[0].strip().lower() != PROBLEM_JSON:
        raise AssertionError(
            f"{response.status_code} answered as {content_type or 'no content type'}, "
            f"not {PROBLEM_JSON}"
        )
    try:
        body = response.json()
    except ValueError as err:
        raise AssertionError(f"{response.status_code}: the problem document is not JSON: {err}")
    if not isinstance(body, dict):
        raise AssertionError(f"{response.status_code}: the problem document is not an object")
    if body.get("status") != response.status_code:
        raise AssertionError(
            f"the problem document says status {body.get('status')!r}, "
            f"the answer is {response.status_code}"
        )
    for member in ("type", "title", "code"):
        if not isinstance(body.get(member), str) or not body[member]:
            raise AssertionError(f"{response.status_code}: the problem document lacks `{member}`")
    return None
