-- Several accounts from one process (docs/accounts.md): broker-state repairs (a missing stop
-- re-placed, an orphan order cancelled, unknown exposure adopted or flattened) are execution events
-- of the account they happened on, entity_id = the broker's account id.
alter table execution_events drop constraint execution_events_entity_type_known;
alter table execution_events
  add constraint execution_events_entity_type_known check (entity_type in ('signal', 'position', 'account'));
