-- One vocabulary for position states: the database uses the position machine's own names
-- (src/domain/vocabulary.ts POSITION_STATES), so no mapping sits between them.
alter type position_state rename value 'tp1_hit' to 'tp1';
alter type position_state rename value 'tp2_hit' to 'tp2';
alter type position_state rename value 'tp3_hit' to 'tp3';
