// monaco-yaml's language service, in its own worker.
import 'monaco-yaml/yaml.worker';
