import { Client } from 'pg';

/**
 * Records the statements the process sends to PostgreSQL (every pg client), so a test can count
 * the round trips of one message's handling: `handlingOf(messageId)` gives the round trips of the
 * transaction whose inbox INSERT took that message, from its BEGIN to its COMMIT (or ROLLBACK); the
 * opening (`START TRANSACTION`, the case's lock, the inbox INSERT and the service's opening read if
 * it has one, pipelined) is one of them, and
 * so is a COMMIT with the writes pipelined with it (its text: theirs and `COMMIT`, joined by `;`).
 */
export function recordStatements() {
  const spy = jest.spyOn(Client.prototype, 'query');
  const textOf = (args: unknown[]): string => {
    const q = args[0] as string | { text?: string };
    return (typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim();
  };
  // A pipelined query (transactionOpenedWith) is one call: its text and values span its statements.
  const paramsOf = (args: unknown[]): unknown[] =>
    Array.isArray(args[1]) ? args[1] : ((args[0] as { values?: unknown[] })?.values ?? []);
  return {
    handlingOf(messageId: string): string[] {
      return this.transactionOf(/\.inbox\b/, messageId);
    },
    /** The round trips of the transaction whose statement on `table` bound `value`. */
    transactionOf(table: RegExp, value: unknown): string[] {
      const calls = spy.mock.calls as unknown[][];
      const clients = spy.mock.contexts as unknown[];
      const found = calls.findIndex(
        (args) => table.test(textOf(args)) && paramsOf(args).includes(value),
      );
      if (found < 0) throw new Error(`no statement on ${table} with ${String(value)} recorded`);
      const client = clients[found];
      const mine = calls.map((args, i) => (clients[i] === client ? textOf(args) : null));
      let start = found;
      while (start > 0 && !/^(BEGIN|START TRANSACTION)/i.test(mine[start] ?? '')) start--;
      let end = found;
      // The end: a COMMIT or ROLLBACK, alone or after the writes pipelined with it.
      while (end < mine.length - 1 && !/(^|; )(COMMIT|ROLLBACK)$/i.test(mine[end] ?? '')) end++;
      return mine.slice(start, end + 1).filter((text): text is string => text !== null);
    },
    restore: () => spy.mockRestore(),
  };
}
