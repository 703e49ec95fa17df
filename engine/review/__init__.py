"""The reviewer's side of an audit: the review file beside the audit file (waivers and a sign-off,
engine/review/file.py), waivers matched to findings by id (engine/review/waivers.py), the sign-off checked against
the report id (engine/review/signoff.py), and what changed between two reports (engine/review/diff.py)."""
