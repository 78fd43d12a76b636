// Command ids that more than one editor module names (kept apart so that those modules do not
// import each other).
export const IMAGE_INFO_COMMAND = 'qemuDiskTools.showImageInfo';
