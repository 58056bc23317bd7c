-- A position the broker closed by itself (TopstepX auto-liquidation at the deadline, a Maximum Loss
-- Limit or daily loss liquidation, a close in the platform) ends with exit reason broker_flatten.
alter table trades_log drop constraint trades_log_exit_reason_known;
alter table trades_log add constraint trades_log_exit_reason_known check (exit_reason in (
  'initial_stop', 'stop_breakeven', 'stop_tp1', 'stop_tp2', 'target_tp3', 'opposing_alert',
  'close_alert', 'session_flatten', 'guard_flatten', 'broker_flatten', 'manual'));
