import { Side } from './case-event';
import { TERMINAL_STATUSES } from './case-status';
import { CaseTransition, TRANSITIONS } from './transitions';

export interface MermaidOptions {
  /** Include the system (timer) self-loops. Default true: the diagram shows every transition. */
  readonly includeSystemEvents?: boolean;
}

/** The label of a transition in diagrams: the event, and its guard in brackets. */
export function transitionLabel(t: CaseTransition): string {
  return t.guard ? `${t.event} [${t.guard.name}]` : t.event;
}

/**
 * The machine as a Mermaid `stateDiagram-v2`, one line per TRANSITIONS entry in declaration
 * order, so the output is deterministic and changes only when the machine does.
 */
export function toMermaid(options: MermaidOptions = {}): string {
  const includeSystem = options.includeSystemEvents ?? true;
  const lines = ['stateDiagram-v2', '    [*] --> ACCEPTED'];
  for (const t of TRANSITIONS) {
    if (!includeSystem && t.side === Side.SYSTEM) continue;
    lines.push(`    ${t.from} --> ${t.to} : ${transitionLabel(t)}`);
  }
  for (const s of TERMINAL_STATUSES) lines.push(`    ${s} --> [*]`);
  return `${lines.join('\n')}\n`;
}
