export default function applyConfig(config) { return config; }
