"""A local SMTP server for tests, from the standard library: it speaks enough
SMTP (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for
``smtplib`` to deliver to it, keeps every message it accepted, parsed, and can
refuse the first ``refuse`` messages with a temporary error (451) to exercise
a sender's retries. No package is needed for it (aiosmtpd would be one more
pinned dependency for the tests alone)."""
import socketserver
import threading
from email import message_from_bytes, policy


class SmtpSink:
    def __init__(self, refuse=0):
        self.messages = []  # (envelope sender, recipients, email.message.EmailMessage)
        self.refuse = refuse
        self.refused = 0
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self):
                self.reply("220 sink ESMTP")
                sender, recipients = None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode("utf-8", "replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                        self.wfile.flush()
                    elif verb == "HELO":
                        self.reply("250 sink")
                    elif verb == "MAIL":
                        with sink.lock:
                            refusing = sink.refused < sink.refuse
                            if refusing:
                                sink.refused += 1
                        if refusing:
                            self.reply("451 4.3.0 try again later")
                            continue
                        sender, recipients = command[10:].strip(" <>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command[8:].strip(" <>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        lines = []
                        while True:
                            data = self.rfile.readline()
                            if data in (b".\r\n", b".\n", b""):
                                break
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        message = message_from_bytes(b"".join(lines), policy=policy.default)
                        with sink.lock:
                            sink.messages.append((sender, recipients, message))
                        self.reply("250 OK queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
