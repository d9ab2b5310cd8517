import { describe, expect, it } from "vitest";
import { answerClientError, type ClientErrorSocket, clientErrorResponse } from "./client-error";
import { isErrorCode } from "./errors";

/** A socket that records what it was asked to do. */
function fakeSocket(state: { writable?: boolean; destroyed?: boolean; headersSent?: boolean } = {}) {
  const calls: string[] = [];
  let written = "";
  const socket: ClientErrorSocket & { _httpMessage?: { headersSent: boolean } } = {
    writable: state.writable ?? true,
    destroyed: state.destroyed ?? false,
    end(data: string, callback?: () => void) {
      calls.push("end");
      written = data;
      callback?.();
    },
    destroy() {
      calls.push("destroy");
    },
    ...(state.headersSent === undefined ? {} : { _httpMessage: { headersSent: state.headersSent } }),
  };
  return { socket, calls, written: () => written };
}

const parse = (raw: string) => {
  const [head, body] = raw.split("\r\n\r\n") as [string, string];
  const [statusLine, ...lines] = head.split("\r\n");
  const headers = Object.fromEntries(lines.map((l) => l.split(": ") as [string, string]));
  return { status: Number(statusLine!.split(" ")[1]), headers, body };
};

describe("clientErrorResponse", () => {
  it.each([
    ["HPE_INVALID_METHOD", 400, "invalid_request"],
    ["HPE_HEADER_OVERFLOW", 431, "invalid_request"],
    ["HPE_CHUNK_EXTENSIONS_OVERFLOW", 413, "payload_too_large"],
    ["ERR_HTTP_REQUEST_TIMEOUT", 408, "invalid_request"],
    [undefined, 400, "invalid_request"],
  ])("%s is %i %s in the project's shape, with Connection: close", (code, status, errorCode) => {
    const response = parse(clientErrorResponse(code));
    expect(response.status).toBe(status);
    expect(response.headers.Connection).toBe("close");
    expect(Number(response.headers["Content-Length"])).toBe(Buffer.byteLength(response.body));
    const json = JSON.parse(response.body);
    expect(Object.keys(json)).toEqual(["error"]);
    expect(json.error.code).toBe(errorCode);
    expect(isErrorCode(json.error.code)).toBe(true);
  });
});

describe("answerClientError", () => {
  it("writes the answer, then destroys the socket", () => {
    const s = fakeSocket();
    answerClientError(Object.assign(new Error("bad"), { code: "HPE_INVALID_METHOD" }), s.socket);
    expect(s.calls).toEqual(["end", "destroy"]);
    expect(parse(s.written()).status).toBe(400);
  });

  it("writes nothing on a reset or destroyed socket", () => {
    const reset = fakeSocket();
    answerClientError(Object.assign(new Error("reset"), { code: "ECONNRESET" }), reset.socket);
    expect(reset.calls).toEqual([]);
    const gone = fakeSocket({ destroyed: true });
    answerClientError(new Error("gone"), gone.socket);
    expect(gone.calls).toEqual([]);
  });

  it("only destroys a socket that is not writable or whose response has begun (a pipelined reply)", () => {
    for (const state of [{ writable: false }, { headersSent: true }]) {
      const s = fakeSocket(state);
      answerClientError(Object.assign(new Error("bad"), { code: "HPE_INVALID_METHOD" }), s.socket);
      expect(s.calls).toEqual(["destroy"]);
    }
  });
});
