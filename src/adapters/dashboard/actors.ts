/**
 * The Actors view's data: statecharts derived from the machine definitions (machine.root), and an
 * observer fed by XState's inspection hook that keeps every live actor's current state and a
 * bounded history of state changes. Our own inspector: works offline, no Stately-hosted page.
 */
import { Subject } from 'rxjs';
import type { AnyStateMachine, InspectionEvent } from 'xstate';
import type { ActorTransition, DashboardEvent } from './events.ts';

export interface StatechartTransition {
  readonly event: string;
  /** Target state ids (empty: a self/internal transition). */
  readonly targets: readonly string[];
  readonly guard: string | null;
}

export interface StatechartNode {
  /** Full id, e.g. `position.pending_entry.working`. */
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly initial: string | null;
  readonly children: readonly StatechartNode[];
  readonly transitions: readonly StatechartTransition[];
}

interface StateNodeLike {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly states: Readonly<Record<string, StateNodeLike>>;
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[] | undefined;
  readonly initial?: { readonly target?: readonly { readonly id: string }[] } | undefined;
}

interface TransitionLike {
  readonly target?: readonly { readonly id: string }[] | undefined;
  readonly guard?: unknown;
}

function guardName(guard: unknown): string | null {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string')
    return guard.type;
  if (typeof guard === 'function') return guard.name || 'guard';
  return null;
}

function nodeOf(node: StateNodeLike): StatechartNode {
  const transitions: StatechartTransition[] = [];
  const add = (event: string, list: readonly TransitionLike[]) => {
    for (const t of list) {
      transitions.push({
        event,
        targets: (t.target ?? []).map((target) => target.id),
        guard: guardName(t.guard),
      });
    }
  };
  for (const [event, list] of node.transitions) add(event, list);
  if (node.always) add('always', node.always);
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    initial: node.initial?.target?.[0]?.id ?? null,
    children: Object.values(node.states).map(nodeOf),
    transitions,
  };
}

/** A machine's states and transitions, for drawing. */
export function statechartOf(machine: AnyStateMachine): StatechartNode {
  return nodeOf(machine.root as unknown as StateNodeLike);
}

/** Active state ids of a state value, deepest first-level included: `position.pending_entry.working`. */
export function activeStateIds(machineId: string, value: unknown): string[] {
  const out: string[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (typeof v === 'string') {
      out.push(`${prefix}.${v}`);
      return;
    }
    if (v && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        out.push(`${prefix}.${key}`);
        walk(`${prefix}.${key}`, child);
      }
    }
  };
  walk(machineId, value);
  return out;
}

export function stateLabel(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([key, child]) => {
        const inner = stateLabel(child);
        return inner ? `${key}.${inner}` : key;
      })
      .join(', ');
  }
  return '';
}

export interface ActorView {
  readonly actorId: string;
  /** Machine id: engine, position, signal … */
  readonly machine: string;
  readonly parentId: string | null;
  /** Readable state, e.g. `pending_entry.working`. */
  readonly state: string;
  readonly activeStateIds: readonly string[];
  readonly status: string;
  readonly updatedAt: number;
  /** The account whose engine runs it, when the bot trades several and knows (position actors). */
  readonly accountId?: string;
}

export interface ActorObserverOptions {
  /** State changes kept for a newly opened page. Default 300. */
  readonly historySize?: number;
  /** Finished actors kept on screen. Default 20. */
  readonly finishedKept?: number;
  /** Event time when an event carries none. */
  readonly now?: () => number;
}

interface ActorRefLike {
  readonly id: string;
  readonly sessionId: string;
  readonly logic?: { readonly id?: unknown };
  readonly _parent?: { readonly id: string } | undefined;
}

/**
 * Pass `observer.inspect` as the runtime's `inspect` option (keep it out of big backtests).
 * Only state changes are recorded: a tick that updates context alone is not a transition.
 */
export class ActorObserver {
  readonly events$ = new Subject<DashboardEvent>();
  private readonly live = new Map<string, ActorView>();
  private readonly finished: ActorView[] = [];
  private readonly history: ActorTransition[] = [];
  private readonly historySize: number;
  private readonly finishedKept: number;
  private readonly now: () => number;

  constructor(options: ActorObserverOptions = {}) {
    this.historySize = options.historySize ?? 300;
    this.finishedKept = options.finishedKept ?? 20;
    this.now = options.now ?? Date.now;
  }

  /** Latest event time seen: init snapshots carry none, and wall time would sort them wrongly. */
  private lastEventTs: number | null = null;

  readonly inspect = (inspection: InspectionEvent): void => {
    if (inspection.type === '@xstate.event') {
      const ts = (inspection.event as { ts?: unknown }).ts;
      if (typeof ts === 'number') this.lastEventTs = ts;
      return;
    }
    if (inspection.type !== '@xstate.snapshot') return;
    const ref = inspection.actorRef as unknown as ActorRefLike;
    const machine = typeof ref.logic?.id === 'string' ? ref.logic.id : null;
    if (machine === null) return;
    const snapshot = inspection.snapshot as { value?: unknown; status?: string };
    const event = inspection.event as { type: string; ts?: unknown };
    const ts = typeof event.ts === 'number' ? event.ts : (this.lastEventTs ?? this.now());
    const state = stateLabel(snapshot.value);
    const key = ref.sessionId;
    const previous = this.live.get(key);
    const view: ActorView = {
      actorId: ref.id,
      machine,
      parentId: ref._parent?.id ?? null,
      state,
      activeStateIds: activeStateIds(machine, snapshot.value),
      status: snapshot.status ?? 'active',
      updatedAt: ts,
    };
    if (view.status !== 'active') {
      this.live.delete(key);
      this.finished.push(view);
      if (this.finished.length > this.finishedKept) this.finished.shift();
    } else {
      this.live.set(key, view);
    }
    if (previous?.state === state && view.status === 'active') return;
    const transition: ActorTransition = {
      actorId: ref.id,
      machine,
      from: previous?.state ?? null,
      to: state,
      event: event.type,
      ts,
    };
    this.history.push(transition);
    if (this.history.length > this.historySize) this.history.shift();
    this.events$.next({ type: 'actor', transition });
  };

  /** Live actors first (engine, then positions by id), then the recently finished ones. */
  actors(): ActorView[] {
    const live = [...this.live.values()].sort(
      (a, b) =>
        Number(a.parentId !== null) - Number(b.parentId !== null) || a.actorId.localeCompare(b.actorId),
    );
    return [...live, ...[...this.finished].reverse()];
  }

  transitions(): readonly ActorTransition[] {
    return this.history;
  }
}
