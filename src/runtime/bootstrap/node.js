// node.js — gureum's Node.js runtime bootstrap, run as `node -e <this file>`
// inside a function's environment (embedded in the binary by tools/gen_embed.py).
// It is a Lambda Runtime API client: load the handler named by _HANDLER from
// LAMBDA_TASK_ROOT, then loop on /invocation/next, calling the handler and
// posting /response or /error. Invariant: exactly one post per delivered request.
'use strict';
const http = require('http');
const path = require('path');
const fs = require('fs');
const util = require('util');
const url = require('url');

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const [apiHost, apiPort] = api.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
const BASE = '/2018-06-01/runtime';
let requestId = undefined;

// AWS: console lines carry time, request id and level, one event per call
// (newlines become carriage returns on stdout). With the function's
// LoggingConfig in JSON (AWS_LAMBDA_LOG_FORMAT=JSON) each call is one JSON
// record {timestamp, level, requestId, message}, and the methods below
// AWS_LAMBDA_LOG_LEVEL write nothing.
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
function patchConsole() {
  const json = process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
  const floor = json ? Math.max(0, LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL || 'INFO').toUpperCase())) : 0;
  const write = (level) => (...args) => {
    if (LEVELS.indexOf(level) < floor) return;
    if (json) {
      const rec = { timestamp: new Date().toISOString(), level, requestId, message: util.format(...args) };
      process.stdout.write(JSON.stringify(rec) + '\n'); // one line: stringify escapes newlines
      return;
    }
    const msg = util.format(...args).replace(/\n/g, '\r');
    process.stdout.write(`${new Date().toISOString()}\t${requestId}\t${level}\t${msg}\n`);
  };
  console.log = console.info = write('INFO');
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.debug = write('DEBUG');
  console.trace = write('TRACE');
  console.fatal = write('FATAL');
}

// The v2 SDK ignores AWS_ENDPOINT_URL: point its global config at gureum
// before the handler loads it (the same module instance through NODE_PATH).
function configureSdkV2() {
  const ep = process.env.AWS_ENDPOINT_URL;
  if (!ep) return;
  let AWS;
  try {
    require.resolve('aws-sdk');
  } catch (e) {
    return;
  }
  process.env.AWS_SDK_LOAD_CONFIG = process.env.AWS_SDK_LOAD_CONFIG || '';
  AWS = require('aws-sdk');
  AWS.config.update({ endpoint: ep, s3ForcePathStyle: true, sslEnabled: ep.startsWith('https') });
}

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const buf = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const h = Object.assign({}, headers || {});
    if (buf) h['Content-Length'] = buf.length;
    const r = http.request({ host: apiHost, port: +apiPort, method, path: p, agent, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.on('socket', (s) => s.setNoDelay(true));
    r.end(buf);
  });
}

// AWS's response streaming API ("Response streaming for Lambda functions"),
// as AWS's runtime interface client gives it: awslambda.streamifyResponse(
// handler) marks an async handler that writes to a stream, the POST of
// /response itself (Lambda-Runtime-Function-Response-Mode: streaming,
// chunked), so each write leaves at once; an error ends it with the
// Lambda-Runtime-Function-Error-Type/-Body trailers. awslambda.
// HttpResponseStream.from(stream, {statusCode, headers, cookies}) puts a JSON
// prelude and eight NUL bytes before the first write (function URLs).
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HTTP_INTEGRATION = 'application/vnd.awslambda.http-integration-response';

function responseStream(id) {
  let written = false;
  let settle;
  const done = new Promise((r) => (settle = r));
  const req = http.request({
    host: apiHost, port: +apiPort, method: 'POST', path: `${BASE}/invocation/${id}/response`, agent,
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      'Content-Type': 'application/octet-stream',
      Trailer: ['Lambda-Runtime-Function-Error-Type', 'Lambda-Runtime-Function-Error-Body'],
    },
  }, (res) => {
    res.resume();
    res.on('end', settle);
    res.on('aborted', settle);
  });
  req.on('error', settle);
  req.on('socket', (s) => s.setNoDelay(true));
  req.setContentType = (type) => {
    if (written) throw new Error('Cannot set content-type, too late.');
    req.setHeader('Content-Type', type);
  };
  const write = req.write.bind(req);
  req.write = (chunk, encoding, cb) => {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) chunk = JSON.stringify(chunk);
    if (!written && typeof req._onBeforeFirstWrite === 'function') req._onBeforeFirstWrite((c) => write(c));
    written = true;
    return write(chunk, encoding, cb);
  };
  const end = req.end.bind(req);
  req.end = (chunk, encoding, cb) => {
    if (typeof chunk === 'function') [cb, chunk] = [chunk, undefined];
    else if (typeof encoding === 'function') [cb, encoding] = [encoding, undefined];
    if (chunk !== undefined && chunk !== null) req.write(chunk, encoding);
    return end(cb);
  };
  req.failWith = (doc) => {
    req.addTrailers({
      'Lambda-Runtime-Function-Error-Type': doc.errorType,
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(doc)).toString('base64'),
    });
    end();
  };
  req.done = done;
  return req;
}

globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[STREAMING] = 'response';
    return handler;
  },
  HttpResponseStream: class HttpResponseStream {
    static from(stream, prelude) {
      stream.setContentType(HTTP_INTEGRATION);
      const text = JSON.stringify(prelude);
      stream._onBeforeFirstWrite = (write) => {
        write(text);
        write(new Uint8Array(8));
      };
      return stream;
    }
  },
};

// A streaming handler's call ends when its stream does (AWS: a stream the
// handler never ends runs into the function's timeout).
async function runStreaming(fn, event, context, id) {
  const stream = responseStream(id);
  try {
    const r = fn(event, stream, context);
    if (!r || typeof r.then !== 'function') throw new Error('Streaming does not support non-async handlers.');
    if ((await r) !== undefined) console.warn('Streaming handlers ignore return values.');
  } catch (e) {
    const doc = errorDoc(e);
    console.error('Invoke Error', JSON.stringify(doc));
    if (!stream.writableEnded) stream.failWith(doc);
  }
  await stream.done;
}

function errorDoc(err) {
  try {
    if (err instanceof Error || (err && typeof err === 'object' && 'message' in err && 'stack' in err)) {
      return {
        errorType: err.name || 'Error',
        errorMessage: String(err.message),
        trace: String(err.stack || '').split('\n'),
      };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch (e) {
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack' };
  }
}

async function postError(p, err, type) {
  const doc = errorDoc(err);
  if (type) doc.errorType = type;
  console.error('Invoke Error', JSON.stringify(doc));
  await request('POST', p, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType, 'Content-Type': 'application/json' });
}

// AWS: "dir/file.fn.nested" → module dir/file, function path fn.nested.
async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const base = path.basename(spec);
  const m = /^([^.]*)\.(.*)$/.exec(base);
  if (!m) {
    const e = new Error(`Bad handler ${spec}`);
    e.name = 'Runtime.MalformedHandlerName';
    throw e;
  }
  const modPath = path.join(root, path.dirname(spec), m[1]);
  let mod;
  const exists = (ext) => fs.existsSync(modPath + ext);
  try {
    if (exists('.mjs')) mod = await import(url.pathToFileURL(modPath + '.mjs').href);
    else if (exists('.js')) {
      try {
        mod = require(modPath + '.js');
      } catch (e) {
        if (e.code !== 'ERR_REQUIRE_ESM') throw e;
        mod = await import(url.pathToFileURL(modPath + '.js').href);
      }
    } else if (exists('.cjs')) mod = require(modPath + '.cjs');
    else mod = require(m[1]);
  } catch (e) {
    if (e instanceof SyntaxError) {
      e.name = 'Runtime.UserCodeSyntaxError';
    } else if (e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${m[1]}'`)) {
      const err = new Error(`Error: Cannot find module '${m[1]}'\nRequire stack:\n- /var/runtime/index.mjs`);
      err.name = 'Runtime.ImportModuleError';
      err.stack = `Runtime.ImportModuleError: ${err.message}`;
      throw err;
    }
    throw e;
  }
  let fn = mod;
  for (const k of m[2].split('.')) fn = fn == null ? undefined : fn[k];
  if (typeof fn !== 'function') {
    const e = new Error(`${base} is undefined or not exported`);
    e.name = 'Runtime.HandlerNotFound';
    e.stack = `Runtime.HandlerNotFound: ${e.message}`;
    throw e;
  }
  return fn;
}

function run(fn, event, context) {
  return new Promise((resolve) => {
    let finished = false;
    const callback = (err, result) => {
      if (finished) return;
      finished = true;
      resolve(err !== undefined && err !== null ? { err } : { result });
    };
    context.done = callback;
    context.succeed = (r) => callback(null, r);
    context.fail = (e) => callback(e === undefined || e === null ? 'handled' : e);
    try {
      const r = fn(event, context, callback);
      if (r && typeof r.then === 'function') r.then((v) => callback(null, v), (e) => callback(e === undefined || e === null ? new Error('Promise rejected with ' + e) : e));
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  patchConsole();
  let fn;
  try {
    configureSdkV2();
    fn = await loadHandler();
  } catch (e) {
    await postError(`${BASE}/init/error`, e, e && e.name && String(e.name).startsWith('Runtime.') ? e.name : undefined);
    process.exit(1);
  }
  process.on('uncaughtException', async (e) => {
    if (requestId) await postError(`${BASE}/invocation/${requestId}/error`, e).catch(() => {});
    process.exit(129);
  });
  process.on('unhandledRejection', async (reason) => {
    const e = new Error(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
    e.name = 'Runtime.UnhandledPromiseRejection';
    if (requestId) await postError(`${BASE}/invocation/${requestId}/error`, e).catch(() => {});
    process.exit(128);
  });
  const env = process.env;
  for (;;) {
    const next = await request('GET', `${BASE}/invocation/next`);
    const h = next.headers;
    requestId = h['lambda-runtime-aws-request-id'];
    const deadline = +h['lambda-runtime-deadline-ms'];
    if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;
    let event;
    try {
      event = JSON.parse(next.body.toString('utf8'));
    } catch (e) {
      event = next.body.toString('utf8');
    }
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    };
    if (fn[STREAMING] === 'response') {
      await runStreaming(fn, event, context, requestId);
      continue;
    }
    const out = await run(fn, event, context);
    if ('err' in out) {
      await postError(`${BASE}/invocation/${requestId}/error`, out.err);
    } else {
      let body;
      try {
        body = JSON.stringify(out.result === undefined ? null : out.result);
      } catch (e) {
        const err = new Error(`Unable to stringify response body`);
        err.name = 'Runtime.MarshalError';
        await postError(`${BASE}/invocation/${requestId}/error`, err);
        continue;
      }
      await request('POST', `${BASE}/invocation/${requestId}/response`, body, { 'Content-Type': 'application/json' });
    }
  }
}

main();
