import { storeContract } from './contract.ts';
import { freshPgliteStore } from './pglite-template.ts';

storeContract('PGlite (in memory)', { open: freshPgliteStore, multiSession: false });
