// The one refusal of cast vote record input: a report (or a list of cast records) that TallyMesh
// will not count, naming the file, the JSON path and the reason, like DefinitionError does for
// definitions, so an election office can find the offending record in a large export.
import { TallyMeshError } from '../../errors/tallymesh-error.ts';

export class CvrError extends TallyMeshError {
  override readonly name = 'CvrError';

  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super('invalid-cvr', `${file}: ${path}: ${reason}`);
  }
}
