"""How much of a conversation the custom actions see.

The Rasa server sends the action server the events of the last `ACTION_USER_TURNS` user turns only, not
the whole conversation (server/patches/action_payload.py: the payload otherwise grows with every turn).
Slots, the latest message and the active form are always complete. Whatever an action derives from the
event history must therefore look no further back than this; the language of recent messages
(core.language.effective_language) is the one such reading, and it stops at the same bound on both servers.
"""
ACTION_USER_TURNS = 8
