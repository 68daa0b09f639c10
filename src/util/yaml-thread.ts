// The worker of util/yaml-read: parses one large YAML text within the pool's memory limit.
import { serveCalls } from './worker-pool.js';
import { parseYamlDocuments } from './yaml-documents.js';

serveCalls({ parse: parseYamlDocuments });
