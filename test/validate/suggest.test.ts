import { closest, didYouMean, editDistance } from "../../src/validate/suggest";

describe("editDistance", () => {
  test.each([
    ["", "", 0],
    ["web", "web", 0],
    ["web", "", 3],
    ["", "web", 3],
    ["web", "Web", 1],
    // one insertion, deletion, substitution
    ["databse", "database", 1],
    ["database", "databse", 1],
    ["tcp", "udp", 2],
    ["kitten", "sitting", 3],
    // a transposition is one edit, not two
    ["ab", "ba", 1],
    ["wbe", "web", 1],
    ["consuemrs", "consumers", 1],
    ["protocl", "protocol", 1],
    ["prots", "ports", 1],
    // a transposition and a substitution
    ["abcd", "badc", 2],
    ["flaw", "lawn", 2],
  ])("%j to %j is %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe("closest", () => {
  const keys = ["name", "services", "networks", "workloads", "tiers", "aws", "ports", "protocol", "consumers"];

  test.each([
    // [word, candidates, suggestion]
    ["servics", keys, "services"],
    ["sevrices", keys, "services"],
    ["prots", keys, "ports"],
    ["protocl", keys, "protocol"],
    ["consuemrs", keys, "consumers"],
    ["tier", keys, "tiers"],
    ["aws", keys, "aws"],
    ["Name", keys, "name"],
    // a word of 6 to 8 letters allows two edits
    ["netwroks", keys, "networks"],
    ["netwrk", keys, "networks"],
    // a word of 9 to 11 letters allows three edits
    ["wrkldsxx", keys, undefined],
    ["consmrsxyz", keys, undefined],
    ["cnsmrszz", keys, undefined],
    ["conxumerzz", keys, "consumers"],
  ])("%j -> %j", (word, candidates, suggestion) => {
    expect(closest(word, candidates)).toBe(suggestion);
  });

  test.each([
    // too far for the length of the word
    ["xyz", ["web", "app"]],
    ["frontend", ["backend", "database"]],
    ["db", ["web", "app"]],
    ["ab", ["abcd"]],
    // nothing to choose from
    ["web", []],
  ])("nothing is suggested for %j among %j", (word, candidates) => {
    expect(closest(word, candidates)).toBeUndefined();
  });

  test("the closest candidate wins over an earlier, farther one", () => {
    expect(closest("netwroks", ["networkz", "networks"])).toBe("networks");
    expect(closest("app", ["apps", "app"])).toBe("app");
  });

  test("a tie goes to the alphabetically first candidate, whatever the order", () => {
    expect(closest("ab", ["ac", "aa"])).toBe("aa");
    expect(closest("ab", ["aa", "ac"])).toBe("aa");
  });

  test("takes any iterable", () => {
    expect(closest("webb", new Set(["web", "app"]))).toBe("web");
    expect(closest("webb", new Map([["web", 1]]).keys())).toBe("web");
  });
});

describe("didYouMean", () => {
  test.each([
    ["servics", ["services", "networks"], 'did you mean "services"?'],
    ["10.0.0.0/08", ["10.0.0.0/8"], 'did you mean "10.0.0.0/8"?'],
    ["qqqq", ["services", "networks"], undefined],
    ["web", [], undefined],
  ])("%j among %j -> %j", (word, candidates, hint) => {
    expect(didYouMean(word, candidates)).toBe(hint);
  });
});
