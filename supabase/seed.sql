-- Default bot settings, matching DEFAULT_SETTINGS in src/domain/settings.ts (a test checks this).
-- Safe to run again: an existing row is kept.
insert into bot_settings (
  id, is_active, market_types, watchlist, blacklist, cooldown_ms, max_concurrent_trades, risk_per_trade,
  max_contracts, dca_levels, stop_buffer_ticks, confirmation_threshold, profile_lookback_minutes, profile_rows,
  value_area_percent, entry_timeout_ms, close_at_tp3, max_alert_lag_ms, daily_loss_limit, trailing_drawdown,
  trading_window_start, trading_window_end, flat_by_time, time_zone, starting_balance,
  account_rules, daily_loss_action, max_position, risk_buffer, stop_slippage_ticks, crossed_entry,
  balance_tolerance, no_new_entries_after, cme_calendar, tp1_target, tp2_target, tp3_target
) values (
  1, true, array['futures'], array[]::text[], array[]::text[], 300000, 3, 500,
  5, '[]'::jsonb, 4, 0, 240, 24,
  70, 1800000, false, 60000, 1000, 2000,
  '', '', '15:05', 'America/Chicago', 50000,
  'combine-50k', 'liquidate_and_block', 5, 200, 1, 'refuse',
  5, '15:00', true, 'poc', 'value_edge', 'profile_extreme'
)
on conflict (id) do nothing;
