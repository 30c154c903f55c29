"""Tiny REST client for manual checks: python scripts/say.py [--url U] [--sender S] [--lang zh] "message" ..."""
import argparse
import uuid

import requests

ap = argparse.ArgumentParser()
ap.add_argument("--url", default="http://localhost:5005")
ap.add_argument("--sender", default=f"dev-{uuid.uuid4().hex[:6]}")
ap.add_argument("--lang")
ap.add_argument("messages", nargs="+")
a = ap.parse_args()
for m in a.messages:
    body = {"sender": a.sender, "message": m}
    if a.lang:
        body["metadata"] = {"language": a.lang}
    r = requests.post(f"{a.url}/webhooks/rest/webhook", json=body, timeout=60)
    print(f">>> {m}")
    for msg in r.json():
        print(msg.get("text", ""))
        for b in msg.get("buttons") or []:
            print(f"   [{b['title']}] -> {b['payload']}")
    print()
