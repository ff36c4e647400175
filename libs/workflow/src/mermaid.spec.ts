import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CASE_STATUSES,
  Side,
  TERMINAL_STATUSES,
  TRANSITIONS,
  toMermaid,
  transitionLabel,
} from '@app/workflow';

describe('toMermaid', () => {
  const diagram = toMermaid();
  const lines = diagram.trimEnd().split('\n');

  it('is a stateDiagram-v2 starting at ACCEPTED and ending in each terminal', () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('    [*] --> ACCEPTED');
    for (const s of TERMINAL_STATUSES) expect(lines).toContain(`    ${s} --> [*]`);
    expect(lines.filter((l) => l.includes('[*]'))).toHaveLength(1 + TERMINAL_STATUSES.length);
  });

  it('names every state', () => {
    for (const s of CASE_STATUSES) expect(diagram).toMatch(new RegExp(`^    ${s} --> `, 'm'));
  });

  it('has one line per transition, labelled by event with the guard in brackets', () => {
    const edgeLines = lines.filter((l) => / --> [A-Z_]+ : /.test(l));
    expect(edgeLines).toHaveLength(TRANSITIONS.length);
    for (const t of TRANSITIONS) {
      const label = t.guard ? `${t.event} [${t.guard.name}]` : t.event;
      expect(transitionLabel(t)).toBe(label);
      expect(lines).toContain(`    ${t.from} --> ${t.to} : ${label}`);
    }
  });

  it('keeps labels within what Mermaid parses as a transition description', () => {
    for (const t of TRANSITIONS) expect(transitionLabel(t)).toMatch(/^[^:;#\n]+$/);
  });

  it('is deterministic', () => {
    expect(toMermaid()).toBe(diagram);
  });

  it('can leave out the timer self-loops', () => {
    const compact = toMermaid({ includeSystemEvents: false });
    expect(compact).not.toContain('DEADLINE_PASSED');
    expect(compact).not.toContain('PICKUP_REMINDER_DUE');
    const kept = TRANSITIONS.filter((t) => t.side !== Side.SYSTEM);
    for (const t of kept)
      expect(compact).toContain(`${t.from} --> ${t.to} : ${transitionLabel(t)}`);
  });

  it.each(['workflow.md', 'architecture.md'])('is pasted, current, in docs/%s', (file) => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', file), 'utf8');
    expect(doc).toContain('```mermaid\n' + diagram + '```');
  });
});
