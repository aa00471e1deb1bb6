"""Replies by e-mail: reading a received message, finding the request it answers, storing it
and applying it to the items (issue 14).

Pure modules (charsets, htmltext, quotes, classify, attachments, reading, replykey, sections)
know mail formats only; `mailbox` stores and `applying` decides where a message lands, both
in the caller's transaction; `receiving` is the one code path the three transports (stdin,
IMAP, LMTP) call.
"""
