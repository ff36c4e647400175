import { Client } from 'pg';

/**
 * Records the statements the process sends to PostgreSQL (every pg client), so a test can count
 * the round trips of one message's handling: `handlingOf(messageId)` gives the round trips of the
 * transaction whose inbox INSERT took that message, from its BEGIN to its COMMIT (or ROLLBACK); the
 * opening (`START TRANSACTION`, the case's lock and the inbox INSERT) is one of them.
 */
export function recordStatements() {
  const spy = jest.spyOn(Client.prototype, 'query');
  const textOf = (args: unknown[]): string => {
    const q = args[0] as string | { text?: string };
    return (typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim();
  };
  const paramsOf = (args: unknown[]): unknown[] => (Array.isArray(args[1]) ? args[1] : []);
  return {
    handlingOf(messageId: string): string[] {
      const calls = spy.mock.calls as unknown[][];
      const clients = spy.mock.contexts as unknown[];
      const inbox = calls.findIndex(
        (args) =>
          /\.inbox\b/.test(textOf(args)) &&
          // A bound value, or a literal of the transaction's opening (transactionOpenedWith).
          (paramsOf(args).includes(messageId) || textOf(args).includes(`'${messageId}'`)),
      );
      if (inbox < 0) throw new Error(`no inbox INSERT of ${messageId} recorded`);
      const client = clients[inbox];
      const mine = calls.map((args, i) => (clients[i] === client ? textOf(args) : null));
      let start = inbox;
      while (start > 0 && !/^(BEGIN|START TRANSACTION)/i.test(mine[start] ?? '')) start--;
      let end = inbox;
      while (end < mine.length - 1 && !/^(COMMIT|ROLLBACK)/i.test(mine[end] ?? '')) end++;
      return mine.slice(start, end + 1).filter((text): text is string => text !== null);
    },
    restore: () => spy.mockRestore(),
  };
}
