// loopback-guard.cjs (the lab's oc-loopback-guard.cjs) - Node preload (NODE_OPTIONS=--require <file>) that keeps an
// OpenClaw gateway (and every node child it spawns, which inherit NODE_OPTIONS) on loopback:
//   * net.Server.listen: only 127.0.0.1 (host-less listens are rewritten to 127.0.0.1; "::1", "::", "0.0.0.0" etc.
//     fail with EADDRNOTAVAIL, which makes the gateway skip its extra [::1] listener)
//   * net.Socket.connect / dns.lookup / dgram.send: anything that is not loopback (or a unix socket) fails fast
//     with ECONNREFUSED / ENOTFOUND instead of leaving the machine.
// Every blocked attempt is appended to $OC_GUARD_LOG (default: ./oc-guard-blocked.log) with a short stack.
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const dns = require("node:dns");
const dgram = require("node:dgram");

const LOG = process.env.OC_GUARD_LOG || "oc-guard-blocked.log";
function note(what) {
  try {
    const stack = (new Error().stack || "")
      .split("\n")
      .slice(3, 9)
      .map((s) => s.trim())
      .join(" < ");
    fs.appendFileSync(LOG, `${new Date().toISOString()} pid=${process.pid} ${what} :: ${stack}\n`);
  } catch {}
}
function isLoopbackHost(h) {
  if (h === undefined || h === null || h === "") return false;
  const s = String(h)
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return (
    s === "localhost" ||
    s === "::1" ||
    s === "::ffff:127.0.0.1" ||
    /^127\.\d+\.\d+\.\d+$/.test(s) ||
    s.endsWith(".localhost")
  );
}
function errWith(code, msg) {
  return Object.assign(new Error(`${msg} (blocked by oc-loopback-guard)`), {
    code,
    errno: code,
    syscall: "connect",
  });
}

// ---- listen ------------------------------------------------------------------------------------------
const origListen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a0 = args[0];
  if (
    a0 &&
    typeof a0 === "object" &&
    !Array.isArray(a0) &&
    !(a0 instanceof net.Server) &&
    a0.path === undefined &&
    a0.handle === undefined &&
    a0._handle === undefined &&
    a0.fd === undefined
  ) {
    const host = a0.host;
    if (host === undefined || host === "") {
      args[0] = { ...a0, host: "127.0.0.1" };
    } else if (host !== "127.0.0.1" && host !== "localhost") {
      note(`listen refused host=${host}`);
      process.nextTick(() =>
        this.emit("error", Object.assign(errWith("EADDRNOTAVAIL", `listen ${host}`), { syscall: "listen" })),
      );
      return this;
    }
  } else if (typeof a0 === "number" || (typeof a0 === "string" && /^\d+$/.test(a0))) {
    const host = typeof args[1] === "string" ? args[1] : undefined;
    if (host === undefined) {
      args.splice(1, 0, "127.0.0.1");
    } else if (host !== "127.0.0.1" && host !== "localhost") {
      note(`listen refused host=${host}`);
      process.nextTick(() =>
        this.emit("error", Object.assign(errWith("EADDRNOTAVAIL", `listen ${host}`), { syscall: "listen" })),
      );
      return this;
    }
  }
  return origListen.apply(this, args);
};

// ---- outbound tcp ----------------------------------------------------------------------------------------
const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let o = args[0];
  if (Array.isArray(o)) o = o[0];
  let host, port, path;
  if (o && typeof o === "object") {
    host = o.host;
    port = o.port;
    path = o.path;
  } else if (typeof o === "number" || (typeof o === "string" && /^\d+$/.test(o))) {
    port = o;
    host = typeof args[1] === "string" ? args[1] : "localhost";
  } else if (typeof o === "string") {
    path = o;
  }
  if (path === undefined && host === undefined) host = "localhost";
  if (path === undefined && !isLoopbackHost(host)) {
    note(`connect refused ${host}:${port}`);
    process.nextTick(() => this.destroy(errWith("ECONNREFUSED", `connect ${host}:${port}`)));
    return this;
  }
  return origConnect.apply(this, args);
};

// ---- dns -------------------------------------------------------------------------------------------------
const origLookup = dns.lookup;
dns.lookup = function (host, options, cb) {
  if (typeof options === "function") {
    cb = options;
    options = {};
  }
  if (!isLoopbackHost(host) && net.isIP(String(host)) === 0) {
    note(`dns.lookup refused ${host}`);
    const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (blocked by oc-loopback-guard)`), {
      code: "ENOTFOUND",
      hostname: host,
      syscall: "getaddrinfo",
    });
    process.nextTick(() => cb(e));
    return {};
  }
  return origLookup.call(this, host, options, cb);
};
const origPLookup = dns.promises.lookup;
dns.promises.lookup = function (host, options) {
  if (!isLoopbackHost(host) && net.isIP(String(host)) === 0) {
    note(`dns.promises.lookup refused ${host}`);
    return Promise.reject(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (blocked by oc-loopback-guard)`), {
        code: "ENOTFOUND",
        hostname: host,
        syscall: "getaddrinfo",
      }),
    );
  }
  return origPLookup.call(this, host, options);
};

// ---- udp -------------------------------------------------------------------------------------------------
const origSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  // send(msg, [offset, length,] port, address, [cb])
  const strs = args.filter((x) => typeof x === "string");
  const address = strs.length ? strs[strs.length - 1] : undefined;
  if (address !== undefined && !isLoopbackHost(address)) {
    note(`udp send refused ${address}`);
    const cb = typeof args[args.length - 1] === "function" ? args[args.length - 1] : null;
    if (cb) process.nextTick(() => cb(errWith("ECONNREFUSED", `udp ${address}`)));
    return;
  }
  return origSend.apply(this, args);
};

// ---- dns.resolve* / reverse (c-ares talks to the resolver directly, so refuse them for non-loopback names) ----
function wrapResolver(obj, isPromise) {
  for (const name of Object.keys(obj)) {
    if (!/^(resolve|reverse)/.test(name) || typeof obj[name] !== "function") continue;
    const orig = obj[name];
    obj[name] = function (host, ...rest) {
      if (!isLoopbackHost(host)) {
        note(`dns.${name} refused ${host}`);
        const e = Object.assign(new Error(`query ENOTFOUND ${host} (blocked by oc-loopback-guard)`), {
          code: "ENOTFOUND",
          hostname: host,
        });
        if (isPromise) return Promise.reject(e);
        const cb = rest.find((x) => typeof x === "function");
        if (cb) process.nextTick(() => cb(e));
        return undefined;
      }
      return orig.call(this, host, ...rest);
    };
  }
}
wrapResolver(dns, false);
wrapResolver(dns.promises, true);
if (dns.Resolver) wrapResolver(dns.Resolver.prototype, false);
if (dns.promises.Resolver) wrapResolver(dns.promises.Resolver.prototype, true);
