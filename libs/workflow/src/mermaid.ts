import { Side } from './case-event';
import { MachineTransition, WorkflowMachine } from './machine';
import { ID_CARD_MACHINE } from './transitions';

export interface MermaidOptions {
  /** Include the system (timer) self-loops. Default true: the diagram shows every transition. */
  readonly includeSystemEvents?: boolean;
  /** The machine to draw (default: the ID-card machine). */
  readonly machine?: WorkflowMachine;
}

/** The label of a transition in diagrams: the event, and its guard in brackets. */
export function transitionLabel(t: MachineTransition): string {
  return t.guard ? `${t.event} [${t.guard.name}]` : t.event;
}

/**
 * The machine as a Mermaid `stateDiagram-v2`, one line per TRANSITIONS entry in declaration
 * order, so the output is deterministic and changes only when the machine does.
 */
export function toMermaid(options: MermaidOptions = {}): string {
  const includeSystem = options.includeSystemEvents ?? true;
  const machine = options.machine ?? ID_CARD_MACHINE;
  const lines = ['stateDiagram-v2', `    [*] --> ${machine.initial}`];
  for (const t of machine.transitions) {
    if (!includeSystem && t.side === Side.SYSTEM) continue;
    lines.push(`    ${t.from} --> ${t.to} : ${transitionLabel(t)}`);
  }
  for (const s of machine.terminal) lines.push(`    ${s} --> [*]`);
  return `${lines.join('\n')}\n`;
}
