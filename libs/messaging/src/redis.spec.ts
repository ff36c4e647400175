import { Logger, LoggerService } from '@nestjs/common';
import { clusterEndpoint, clusterNodesProblem, DependencyLog, parseRedisEndpoint } from './redis';

describe('Redis endpoints', () => {
  it('reads a single server and a cluster from one string', () => {
    expect(parseRedisEndpoint('redis://:s%40cret@10.0.0.5:6380/2')).toMatchObject({
      cluster: false,
      options: { host: '10.0.0.5', port: 6380, password: 's@cret', db: 2 },
    });
    const cluster = parseRedisEndpoint(
      clusterEndpoint('r1:7000,r2:7001', { password: 'pw', tls: true }),
    );
    expect(cluster.cluster).toBe(true);
    expect(cluster.nodes).toEqual([
      { host: 'r1', port: 7000 },
      { host: 'r2', port: 7001 },
    ]);
    expect(cluster.options).toMatchObject({ password: 'pw', tls: {} });
  });

  it('names what is wrong with a node list', () => {
    expect(clusterNodesProblem('a:1,b:2')).toBeNull();
    expect(clusterNodesProblem('a:1,,b:2')).toBe('an empty node');
    expect(clusterNodesProblem('a')).toMatch(/"a" is not host:port/);
    expect(clusterNodesProblem('a:70000')).toMatch(/port 1-65535/);
  });
});

describe('DependencyLog: an outage is logged once, not once per error', () => {
  const lines: string[] = [];
  const capture: LoggerService = {
    log: (m: string) => lines.push(`log ${m}`),
    error: (m: string) => lines.push(`error ${m}`),
    warn: (m: string) => lines.push(`warn ${m}`),
  };
  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(capture);
  });

  it('logs the loss once and the recovery once, counts every error', () => {
    const counted: string[] = [];
    const log = new DependencyLog({ count: (d) => counted.push(d), summaryMs: 3_600_000 });
    for (let i = 0; i < 1000; i++) log.error('redis', new Error('connect ECONNREFUSED'));
    expect(log.isDown('redis')).toBe(true);
    log.recovered('redis');
    log.recovered('redis'); // already up: nothing more
    expect(counted).toHaveLength(1000);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error redis unavailable: connect ECONNREFUSED/);
    expect(lines[1]).toMatch(/^warn redis available again after \d+ s \(1000 errors/);
  });

  it('adds a summary line while the outage lasts', () => {
    const log = new DependencyLog({ summaryMs: 0 });
    log.error('postgres', new Error('down'));
    log.error('postgres', new Error('still down'));
    expect(lines[1]).toMatch(/^warn postgres still unavailable after \d+ s: 2 errors so far/);
  });
});
