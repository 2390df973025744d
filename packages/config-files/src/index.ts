export {
  CERTIFICATE_FILE_MAX_BYTES,
  CREDENTIALS_FILE_MAX_BYTES,
  readConfigFile,
  readConfigFileSync,
  type ConfigFileLimits,
  type ConfigFileRead,
  type ConfigFileRefusalCode,
} from "./read-config-file.js";
