import { freshPgliteStore } from '../store/pglite-template.ts';
import { dashboardApiContract } from './api.contract.ts';

dashboardApiContract('PGlite (in memory)', freshPgliteStore);
