/**
 * TradingView ticker → active ProjectX contract. Ticker root → `symbolId` (F.US.EP) → the contract with
 * `activeContract: true` from Contract/available (falling back to Contract/search). A ticker naming a
 * month (ESZ5) resolves to that exact contract id.
 */
import { projectxContractId, projectxSymbolId, resolveTicker } from '../../domain/instruments.ts';
import type { Contract } from './models.ts';
import type { ProjectXRest } from './rest.ts';

export class ContractNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractNotFoundError';
  }
}

export async function resolveContract(
  rest: ProjectXRest,
  ticker: string,
  options: { live?: boolean } = {},
): Promise<Contract> {
  const resolution = resolveTicker(ticker);
  if (!resolution.ok) throw new ContractNotFoundError(resolution.error);
  const { instrument, contractMonth } = resolution;
  if (contractMonth) {
    const id = projectxContractId(instrument, contractMonth.month, contractMonth.year);
    const contract = await rest.searchContractById(id);
    if (!contract)
      throw new ContractNotFoundError(`ticker "${ticker}": contract ${id} is not known to the broker`);
    return contract;
  }
  const symbolId = projectxSymbolId(instrument);
  const live = options.live ?? false;
  const pick = (list: Contract[]) => {
    const same = list.filter((c) => c.symbolId === symbolId);
    return same.find((c) => c.activeContract) ?? (same.length === 1 ? same[0] : undefined);
  };
  const found =
    pick(await rest.availableContracts(live)) ?? pick(await rest.searchContracts(instrument.symbol, live));
  if (!found) {
    throw new ContractNotFoundError(
      `ticker "${ticker}": no active contract with symbolId ${symbolId} among the broker's available contracts`,
    );
  }
  return found;
}
