// Actors: every live actor's current state on its statechart, and the stream of transitions.
import { accountName, inSelectedAccount, severalAccounts } from '../accounts.ts';
import { get } from '../api.ts';
import { h } from '../dom.ts';
import { clock } from '../format.ts';
import { onLive } from '../live.ts';
import { drawStatechart } from '../statechart.ts';
import type { ActorTransition, ActorView, StatechartNode } from '../types.ts';

interface ActorsResponse {
  statecharts: { machine: string; root: StatechartNode }[];
  actors: ActorView[];
  transitions: ActorTransition[];
  attached: boolean;
}

export function mountActors(root: HTMLElement): () => void {
  let data: ActorsResponse | null = null;
  const actors = new Map<string, ActorView>();
  let transitions: ActorTransition[] = [];
  let selected: { kind: 'actor'; id: string } | { kind: 'machine'; machine: string } = {
    kind: 'machine',
    machine: 'position',
  };
  const listHost = h('div', { class: 'panel actor-list', 'data-testid': 'actor-list' });
  const chartHost = h('div', { class: 'panel', style: 'padding:12px' });
  const streamHost = h('ul', { class: 'transitions', 'data-testid': 'transitions' });

  const render = () => {
    if (!data) return;
    const pick = (value: typeof selected) => () => {
      selected = value;
      render();
    };
    const isSel = (value: typeof selected) =>
      selected.kind === value.kind &&
      (value.kind === 'actor'
        ? selected.kind === 'actor' && selected.id === value.id
        : selected.kind === 'machine' && selected.machine === value.machine);
    listHost.replaceChildren(
      h(
        'div',
        { class: 'toolbar' },
        h('strong', {}, 'Live actors'),
        h('span', { class: 'muted' }, data.attached ? `${actors.size}` : 'engine not attached'),
      ),
      ...[...actors.values()]
        .filter((a) => inSelectedAccount(a.accountId))
        .map((a) =>
          h(
            'button',
            {
              type: 'button',
              class: isSel({ kind: 'actor', id: a.actorId }) ? 'selected' : '',
              'data-actor': a.actorId,
              onclick: pick({ kind: 'actor', id: a.actorId }),
            },
            h(
              'span',
              {},
              h('strong', {}, a.machine),
              ' ',
              h('span', { class: 'muted mono' }, a.parentId === null ? 'root' : a.actorId),
              severalAccounts() && a.accountId
                ? h(
                    'span',
                    { class: 'muted', 'data-testid': 'actor-account' },
                    ` · ${accountName(a.accountId)}`,
                  )
                : null,
            ),
            h(
              'span',
              { class: `chip st-${a.state.split('.')[0]}` },
              a.status === 'active' ? a.state : `${a.state} (done)`,
            ),
          ),
        ),
      h('div', { class: 'toolbar' }, h('strong', {}, 'Machines')),
      ...data.statecharts.map((c) =>
        h(
          'button',
          {
            type: 'button',
            class: isSel({ kind: 'machine', machine: c.machine }) ? 'selected' : '',
            'data-machine': c.machine,
            onclick: pick({ kind: 'machine', machine: c.machine }),
          },
          h('span', {}, c.machine),
          h('span', { class: 'muted' }, `${c.root.children.length} states`),
        ),
      ),
    );
    const actor = selected.kind === 'actor' ? actors.get(selected.id) : undefined;
    const machine = actor?.machine ?? (selected.kind === 'machine' ? selected.machine : 'position');
    const chart = data.statecharts.find((c) => c.machine === machine);
    chartHost.replaceChildren(
      h(
        'div',
        { class: 'toolbar', style: 'padding:0 0 10px;border:0' },
        h('strong', {}, actor ? `${actor.actorId}` : `${machine} machine`),
        h(
          'span',
          { class: 'muted' },
          actor
            ? `in ${actor.state} · hover an arrow for its events`
            : 'pick a live actor to see its current state · hover an arrow for its events',
        ),
      ),
      chart
        ? drawStatechart(chart.root, new Set(actor?.activeStateIds ?? []))
        : h('p', { class: 'muted' }, `no statechart for ${machine}`),
    );
    const shown = actor
      ? transitions.filter((t) => t.actorId === actor.actorId)
      : transitions.filter((t) => inSelectedAccount(t.accountId));
    streamHost.replaceChildren(
      ...(shown.length === 0 ? [h('li', { class: 'muted' }, 'No transitions yet.')] : []),
      ...shown
        .slice(-200)
        .reverse()
        .map((t) =>
          h(
            'li',
            {},
            h('span', { class: 'mono muted' }, clock(t.ts)),
            ' ',
            h('strong', {}, t.actorId),
            ': ',
            `${t.from ?? '∅'} → `,
            h('strong', {}, t.to),
            ' on ',
            h('span', { class: 'ev' }, t.event),
          ),
        ),
    );
  };

  const unsubscribe = onLive((event) => {
    if (event.type !== 'actor') return;
    const t = event.transition;
    transitions.push(t);
    if (transitions.length > 500) transitions = transitions.slice(-300);
    const known = actors.get(t.actorId);
    const accountId = t.accountId ?? known?.accountId;
    actors.set(t.actorId, {
      actorId: t.actorId,
      machine: t.machine,
      parentId: known?.parentId ?? null,
      state: t.to,
      activeStateIds: activeIds(t.machine, t.to),
      status: 'active',
      updatedAt: t.ts,
      ...(accountId === undefined ? {} : { accountId }),
    });
    render();
  });

  root.replaceChildren(
    h(
      'h2',
      {},
      'Actors ',
      h(
        'span',
        { class: 'muted' },
        'our own inspector: statecharts from the machine definitions, works offline',
      ),
    ),
    h(
      'div',
      { class: 'actors-layout' },
      listHost,
      h(
        'div',
        {},
        chartHost,
        h(
          'div',
          { class: 'panel', style: 'margin-top:16px' },
          h(
            'div',
            { class: 'toolbar' },
            h('strong', {}, 'Transitions'),
            h('span', { class: 'muted' }, 'newest first'),
          ),
          streamHost,
        ),
      ),
    ),
  );
  void get<ActorsResponse>('/api/actors').then((r) => {
    data = r;
    for (const a of r.actors) actors.set(a.actorId, a);
    transitions = [...r.transitions];
    const first =
      r.actors.find((a) => a.machine === 'position' && inSelectedAccount(a.accountId)) ?? r.actors[0];
    if (first) selected = { kind: 'actor', id: first.actorId };
    render();
  });
  return unsubscribe;
}

/** `pending_entry.working` → ['position.pending_entry', 'position.pending_entry.working']. */
function activeIds(machine: string, label: string): string[] {
  const out: string[] = [];
  for (const part of label.split(', ')) {
    let prefix = machine;
    for (const key of part.split('.')) {
      prefix = `${prefix}.${key}`;
      out.push(prefix);
    }
  }
  return out;
}
