-- Target choice per take-profit rung (src/domain/levels.ts); the defaults are the targets before.
alter table bot_settings
  add column if not exists tp1_target text not null default 'poc',
  add column if not exists tp2_target text not null default 'value_edge',
  add column if not exists tp3_target text not null default 'profile_extreme';

alter table bot_settings
  add constraint bot_settings_targets_known check (
    tp1_target in ('poc', 'value_edge', 'profile_extreme', 'r1', 'r2', 'r3')
    and tp2_target in ('poc', 'value_edge', 'profile_extreme', 'r1', 'r2', 'r3')
    and tp3_target in ('poc', 'value_edge', 'profile_extreme', 'r1', 'r2', 'r3'));
