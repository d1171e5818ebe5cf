"""Trimmed real GitHub webhook payloads (the fields GitHub's docs show for each event)."""

REPO = {"id": 186853002, "name": "Hello-World", "full_name": "Codertocat/Hello-World", "owner": {"login": "Codertocat"}}
SENDER = {"login": "Codertocat", "id": 21031067}

PUSH = {
    "ref": "refs/tags/simple-tag",
    "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    "after": "0000000000000000000000000000000000000000",
    "created": False,
    "deleted": True,
    "forced": False,
    "compare": "https://github.com/Codertocat/Hello-World/compare/6113728f27ae...000000000000",
    "commits": [],
    "pusher": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com"},
    "repository": REPO,
    "sender": SENDER,
}
PULL_REQUEST = {
    "action": "opened",
    "number": 2,
    "pull_request": {"id": 279147437, "number": 2, "state": "open", "title": "Update the README with new information."},
    "repository": REPO,
    "sender": SENDER,
    "installation": {"id": 2311213},
}
ISSUES = {
    "action": "edited",
    "issue": {"id": 444500041, "number": 1, "title": "Spelling error in the README file"},
    "label": {"id": 1362934389, "name": "bug"},
    "repository": REPO,
    "sender": SENDER,
}
PING = {
    "zen": "Keep it logically awesome.",
    "hook_id": 30,
    "hook": {"type": "Repository", "id": 30, "events": ["push", "pull_request"], "active": True},
    "repository": REPO,
    "sender": SENDER,
}
