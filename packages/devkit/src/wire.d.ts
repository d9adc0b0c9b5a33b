/**
 * Sends `request` as it is on a new socket to `host` (default 127.0.0.1); resolves with
 * everything answered once the server closes the connection.
 * @example
 * const answer = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
 */
export function rawRequest(port: number, request: string, host?: string): Promise<string>;

/**
 * The text (latin1) of every serialised Buffer (`{"type":"Buffer","data":[…]}`) in the JSON
 * lines of `output`, one per line; lines that are not JSON are passed over.
 * @example
 * expect(output + serialisedBufferTexts(output)).not.toContain(secret);
 */
export function serialisedBufferTexts(output: string): string;
