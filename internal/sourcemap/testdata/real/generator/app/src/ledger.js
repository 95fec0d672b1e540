export function parseAmount(text) {
  const value = Number(text);
  if (Number.isNaN(value)) {
    throw new Error("not a number: " + text); // expect: parseAmount
  }
  return value;
}

export class Ledger {
  constructor(owner) {
    this.owner = owner;
    this.entries = [];
  }

  post(amount) {
    if (amount < 0) {
      throw new Error("negative posting " + amount); // expect: Ledger.post
    }
    this.entries.push(amount);
  }

  get balance() {
    throw new Error("balance unavailable for " + this.owner); // expect: get Ledger.balance
  }
}
