import { sqlite } from '../support/backends.js';
import { storageContract } from './contract.js';

storageContract(sqlite);
