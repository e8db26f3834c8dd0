import { sqlite, sqliteInMemory } from '../support/backends.js';
import { storageContract } from './contract.js';

storageContract(sqlite);
storageContract(sqliteInMemory);
