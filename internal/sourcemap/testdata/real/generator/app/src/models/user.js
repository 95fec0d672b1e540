export class UserService {
  constructor(options) {
    if (!options) {
      throw new Error("options required"); // expect: new UserService._UserService (see fromJSON below)
    }
    this.options = options;
  }

  load(id) {
    const fetchRecord = (key) => {
      throw new Error("record " + key + " not found"); // expect: <anonymous> | fetchRecord (both minifiers inline fetchRecord into an anonymous IIFE; terser maps the call site to the name)
    };
    return fetchRecord(id);
  }

  static fromJSON(text) {
    return new UserService(JSON.parse(text)); // expect: UserService._UserService.fromJSON (the bundle says var UserService = class _UserService, which Sentry names binding.class)
  }
}
