import { readCookie } from './queue-board';

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('a=1; ops_board_token=abc.def.ghi; b=2', 'ops_board_token')).toBe(
      'abc.def.ghi',
    );
    expect(readCookie('ops_board_token=a%20b', 'ops_board_token')).toBe('a b');
  });

  it('returns null when absent or undecodable', () => {
    expect(readCookie(undefined, 'x')).toBeNull();
    expect(readCookie('x_y=1', 'x')).toBeNull();
    expect(readCookie('x=%E0%A4%A', 'x')).toBeNull();
  });
});
