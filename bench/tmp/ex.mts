import { readParquet } from '../../src/index.ts';
const df = readParquet(process.argv[2]!);
const q = df.select(['Year', 'ArrDelay']).filter(df.col('Year').eq(2004));
console.log(q.col('ArrDelay').mean().explain());
const q2 = df.filter(df.col('Year').eq(2004)).select(['Year', 'ArrDelay']);
console.log(q2.col('ArrDelay').mean().explain());
