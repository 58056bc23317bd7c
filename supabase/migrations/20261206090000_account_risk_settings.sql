-- Account rules and the account-wide risk check (docs/risk.md): new settings with their defaults.
alter table bot_settings
  add column if not exists account_rules text not null default 'combine-50k',
  add column if not exists daily_loss_action text not null default 'liquidate_and_block',
  add column if not exists max_position integer not null default 5,
  add column if not exists risk_buffer numeric(14, 2) not null default 200,
  add column if not exists stop_slippage_ticks integer not null default 1,
  add column if not exists crossed_entry text not null default 'refuse',
  add column if not exists balance_tolerance numeric(14, 2) not null default 5,
  add column if not exists no_new_entries_after text not null default '15:00',
  add column if not exists cme_calendar boolean not null default true;

alter table bot_settings
  add constraint bot_settings_account_rules_known check (
    account_rules in ('combine-50k', 'combine-100k', 'combine-150k', 'xfa-50k', 'xfa-100k', 'xfa-150k', 'custom')),
  add constraint bot_settings_daily_loss_action_known check (daily_loss_action in ('liquidate', 'liquidate_and_block')),
  add constraint bot_settings_crossed_entry_known check (crossed_entry in ('refuse', 'replan')),
  add constraint bot_settings_risk_non_negative check (
    max_position >= 1 and risk_buffer >= 0 and stop_slippage_ticks >= 0 and balance_tolerance >= 0),
  add constraint bot_settings_no_new_entries_format check (no_new_entries_after ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$|^$');

-- The old default flattened at 15:10 CT, Topstep's deadline itself; a row still holding it moves to
-- the new default 15:05 (docs/risk.md, "Flat-by and calendar").
update bot_settings set flat_by_time = '15:05' where flat_by_time = '15:10';
