/**
 * Storage through supabase-js with the service role key (the default on hosted Supabase): one
 * PostgREST `rpc('insert_alert')` call per alert, the same SQL function the bot's stores use, so
 * the unique key, the Realtime publication and the NOTIFY trigger apply alike.
 */
import { createClient } from 'npm:@supabase/supabase-js@2.109';
import type { AlertInbox, AlertRow } from './relay.ts';

export function createSupabaseInbox(url: string, serviceRoleKey: string): AlertInbox {
  const client = createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  return {
    async insertAlert(row: AlertRow) {
      const { data, error } = await client.rpc('insert_alert', { p_alert: row });
      if (error) {
        const code = typeof error.code === 'string' && error.code !== '' ? ` (${error.code})` : '';
        throw new Error(`Supabase: ${error.message}${code}`);
      }
      const first = Array.isArray(data)
        ? (data[0] as { inserted?: unknown; alert_id?: unknown } | undefined)
        : undefined;
      if (!first) throw new Error('Supabase: insert_alert returned no row');
      return { inserted: Boolean(first.inserted), id: Number(first.alert_id) };
    },
  };
}
