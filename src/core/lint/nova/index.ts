// The Nova rules, one unit each (or per tight family) in rules/, in the order of the rules table.
import { cachemodesDuplicate } from './rules/duplicate';
import { imageInspectionOff, vmdkTypes } from './rules/imageSafety';
import { imagesTypeInvalid } from './rules/imagesType';
import { cachemodesInvalidMode, cachemodesUnknownType } from './rules/items';
import { cachemodesDirectsync, cachemodesUnsafe, cachemodesWritethrough } from './rules/modes';
import { rbdCache, rbdForceRaw } from './rules/rbd';
import { cachemodesSection } from './rules/section';
import { cachemodesSyntax } from './rules/cachemodesSyntax';
import { novaConfSyntax } from './rules/syntax';

export const NOVA_RULES = [
  novaConfSyntax,
  cachemodesSection,
  cachemodesSyntax,
  cachemodesInvalidMode,
  cachemodesUnknownType,
  cachemodesDuplicate,
  cachemodesUnsafe,
  cachemodesWritethrough,
  cachemodesDirectsync,
  rbdCache,
  rbdForceRaw,
  imagesTypeInvalid,
  imageInspectionOff,
  vmdkTypes,
] as const;
