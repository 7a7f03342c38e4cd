# chaos.py — 16 clients throw valid, cut-off, pipelined, oversized and non-HTTP requests
# at chaos_server for 4 s, closing and half-closing at random. Usage: chaos.py PORT
import random, socket, threading, time
import sys
PORT = int(sys.argv[1])
reqs = [
    b"GET /direct HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /suspend HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"a" * 100,
    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\n\r\n" + b"a" * 9000,
    b"PUT /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nd\r\n0123456789abc\r\n0\r\n\r\n",
    b"PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\nExpect: 100-continue\r\n\r\n" + b"s" * 50,
    b"PUT /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n" + b"s" * 50,
    b"GET /big HTTP/1.1\r\nHost: x\r\nX-A: " + b"b" * 6000 + b"\r\n\r\n",
    b"\x16\x03\x01garbage\r\n\r\n",
    b"GET /suspend HTTP/1.1\r\nHost: x\r\n\r\nGET /direct HTTP/1.1\r\nHost: x\r\n\r\n",
]
stop = time.time() + 4
count = [0]
def client():
    while time.time() < stop:
        try:
            s = socket.create_connection(("127.0.0.1", PORT)); s.settimeout(0.5)
            for _ in range(random.randint(1, 4)):
                r = random.choice(reqs)
                cut = random.random() < 0.3
                data = r[: random.randint(0, len(r))] if cut else r
                i = 0
                while i < len(data):
                    n = random.randint(1, 200); s.sendall(data[i:i+n]); i += n
                if cut:
                    break
                try: s.recv(65536)
                except Exception: pass
                count[0] += 1
            if random.random() < 0.5: s.shutdown(socket.SHUT_WR)
            s.close()
        except Exception:
            pass
ts = [threading.Thread(target=client) for _ in range(16)]
[t.start() for t in ts]; [t.join() for t in ts]
print("exchanges", count[0])
