// Resident population of each state and DC in the 2020 Census (the apportionment counts of the
// 50 states, which exclude overseas federal staff; DC's resident count), by 2-digit FIPS code.
// us-atlas carries no populations; the U.S.-scale definition apportions the 435 House seats
// among the states with these (Huntington–Hill, as the Census Bureau does) and spreads
// precincts over the states in proportion to them. Public figures, U.S. Census Bureau, 2021.
export const STATE_POPULATION_2020: Readonly<Record<string, number>> = {
  '01': 5_030_053, '02': 736_081, '04': 7_158_923, '05': 3_013_756, '06': 39_576_757,
  '08': 5_782_171, '09': 3_608_298, '10': 990_837, '11': 689_545, '12': 21_570_527,
  '13': 10_725_274, '15': 1_460_137, '16': 1_841_377, '17': 12_822_739, '18': 6_790_280,
  '19': 3_192_406, '20': 2_940_865, '21': 4_509_342, '22': 4_661_468, '23': 1_363_582,
  '24': 6_185_278, '25': 7_033_469, '26': 10_084_442, '27': 5_709_752, '28': 2_963_914,
  '29': 6_160_281, '30': 1_085_407, '31': 1_963_333, '32': 3_108_462, '33': 1_379_089,
  '34': 9_294_493, '35': 2_120_220, '36': 20_215_751, '37': 10_453_948, '38': 779_702,
  '39': 11_808_848, '40': 3_963_516, '41': 4_241_500, '42': 13_011_844, '44': 1_098_163,
  '45': 5_124_712, '46': 887_770, '47': 6_916_897, '48': 29_183_290, '49': 3_275_252,
  '50': 643_503, '51': 8_654_542, '53': 7_715_946, '54': 1_795_045, '55': 5_897_473,
  '56': 577_719,
};

/** DC elects a non-voting delegate, not a seat: it takes no part in the apportionment. */
export const DC_FIPS = '11';

/** Seats in the House of Representatives, apportioned among the 50 states. */
export const HOUSE_SEATS = 435;
