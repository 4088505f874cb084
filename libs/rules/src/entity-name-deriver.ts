/**
 * An entity name for a table name: lower_snake_case, last word singular (`OrderItems` →
 * `order_item`, `categories` → `category`, `addresses` → `address`). Always a valid entity name.
 */
export function deriveEntityName(table: string): string {
  const snake = table
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const name = singular(snake);
  return /^[a-z]/.test(name) ? name : `t_${name}`;
}

function singular(word: string): string {
  if (/[^aeiou]ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(word)) return word;
  if (/(x|ch|sh|ss|zz)es$/.test(word)) return word.slice(0, -2);
  if (/[a-z0-9]s$/.test(word) && word.length > 1) return word.slice(0, -1);
  return word;
}
