import type { Prng } from './prng';

/**
 * Name and ethnicity material for the demo registry. Invented people only: names are drawn from
 * common surnames and given-name characters, so any resemblance to a real person is chance.
 */

// The most common surnames, roughly in order of frequency (weights decrease down the list).
const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔',
];
const COMPOUND_SURNAMES = ['欧阳', '司马', '上官', '诸葛', '东方'];
const SURNAME_WEIGHTS: [string, number][] = [
  ...SURNAMES.map((s, i): [string, number] => [s, 1 / (1 + i * 0.08)]),
  ...COMPOUND_SURNAMES.map((s): [string, number] => [s, 0.05]),
];

const MALE_CHARS = [
  ...'伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳晨博文轩子睿泽昊然皓宸铭航梓嘉逸哲瑞霖毅峰志诚亮',
];
const FEMALE_CHARS = [
  ...'芳娜敏静丽艳娟霞玲燕婷雪琳晶欣怡萱涵梦颖佳雨诗琪悦可馨妍婧思彤瑶晴露璐蕾薇蓉岚月慧洁倩',
];

// Uyghur, Kazakh and Kyrgyz names are written in Chinese transliteration as "given·father".
const TURKIC_MALE = [
  '艾力',
  '买买提',
  '阿不都',
  '热合曼',
  '艾克拜尔',
  '吐尔逊',
  '努尔兰',
  '叶尔兰',
  '阿迪力',
  '伊力哈木',
  '肉孜',
  '依明',
];
const TURKIC_FEMALE = [
  '古丽',
  '阿依古丽',
  '热依汗',
  '帕提古丽',
  '迪丽努尔',
  '阿依达娜',
  '米娜',
  '祖丽菲亚',
  '努尔古丽',
  '再努尔',
];
// Tibetan names have no surname: two of these elements.
const TIBETAN_MALE = [
  '扎西',
  '次仁',
  '多吉',
  '平措',
  '格桑',
  '尼玛',
  '达瓦',
  '旦增',
  '索朗',
  '洛桑',
];
const TIBETAN_FEMALE = [
  '卓玛',
  '央金',
  '拉姆',
  '德吉',
  '白玛',
  '曲珍',
  '措姆',
  '普布',
  '次仁',
  '格桑',
];
const MONGOLIAN_MALE = ['巴特尔', '额尔敦', '毕力格', '朝鲁', '孟和', '苏和', '宝音', '巴图'];
const MONGOLIAN_FEMALE = ['其其格', '乌兰', '斯琴', '苏日娜', '萨仁', '高娃', '琪琪格', '塔娜'];

export function chineseName(rng: Prng, sex: 'M' | 'F', ethnicity: string): string {
  if (ethnicity === '维吾尔族' || ethnicity === '哈萨克族' || ethnicity === '柯尔克孜族') {
    return `${rng.pick(sex === 'M' ? TURKIC_MALE : TURKIC_FEMALE)}·${rng.pick(TURKIC_MALE)}`;
  }
  if (ethnicity === '藏族' || ethnicity === '门巴族') {
    const pool = sex === 'M' ? TIBETAN_MALE : TIBETAN_FEMALE;
    const first = rng.pick(pool);
    let second = rng.pick(pool);
    while (second === first) second = rng.pick(pool);
    return first + second;
  }
  if (ethnicity === '蒙古族' && rng.chance(0.5)) {
    return rng.pick(sex === 'M' ? MONGOLIAN_MALE : MONGOLIAN_FEMALE);
  }
  const surname = rng.weighted(SURNAME_WEIGHTS);
  const chars = sex === 'M' ? MALE_CHARS : FEMALE_CHARS;
  const first = rng.pick(chars);
  if (rng.chance(0.3)) return surname + first;
  if (sex === 'F' && rng.chance(0.06)) return surname + first + first; // 婷婷
  let second = rng.pick(chars);
  while (second === first) second = rng.pick(chars);
  return surname + first + second;
}

/** Rough shares of ethnic groups among a province's population (default: mostly 汉族). */
const DEFAULT_ETHNICITIES: [string, number][] = [
  ['汉族', 97],
  ['回族', 1],
  ['满族', 1],
  ['苗族', 0.5],
  ['土家族', 0.5],
];
const ETHNICITIES_BY_PROVINCE: Record<string, [string, number][]> = {
  '11': [
    ['汉族', 95],
    ['满族', 2],
    ['回族', 2],
    ['蒙古族', 1],
  ],
  '13': [
    ['汉族', 95],
    ['满族', 3],
    ['回族', 1],
    ['蒙古族', 1],
  ],
  '15': [
    ['汉族', 78],
    ['蒙古族', 17],
    ['满族', 2],
    ['回族', 1],
    ['达斡尔族', 1],
    ['鄂温克族', 1],
  ],
  '21': [
    ['汉族', 84],
    ['满族', 13],
    ['蒙古族', 2],
    ['朝鲜族', 1],
  ],
  '22': [
    ['汉族', 91],
    ['朝鲜族', 4],
    ['满族', 4],
    ['蒙古族', 1],
  ],
  '23': [
    ['汉族', 95],
    ['满族', 3],
    ['朝鲜族', 1],
    ['蒙古族', 1],
  ],
  '42': [
    ['汉族', 95],
    ['土家族', 4],
    ['苗族', 1],
  ],
  '43': [
    ['汉族', 89],
    ['土家族', 5],
    ['苗族', 3],
    ['侗族', 2],
    ['瑶族', 1],
  ],
  '45': [
    ['汉族', 62],
    ['壮族', 32],
    ['瑶族', 3],
    ['苗族', 1],
    ['侗族', 1],
    ['仫佬族', 1],
  ],
  '46': [
    ['汉族', 84],
    ['黎族', 15],
    ['苗族', 1],
  ],
  '50': [
    ['汉族', 93],
    ['土家族', 5],
    ['苗族', 2],
  ],
  '51': [
    ['汉族', 93],
    ['彝族', 3],
    ['藏族', 2],
    ['羌族', 1],
    ['回族', 1],
  ],
  '52': [
    ['汉族', 63],
    ['苗族', 12],
    ['布依族', 8],
    ['土家族', 4],
    ['侗族', 4],
    ['彝族', 2],
    ['仡佬族', 2],
    ['水族', 1],
  ],
  '53': [
    ['汉族', 66],
    ['彝族', 11],
    ['哈尼族', 4],
    ['白族', 3],
    ['傣族', 3],
    ['壮族', 3],
    ['苗族', 3],
    ['傈僳族', 2],
    ['拉祜族', 1],
    ['佤族', 1],
  ],
  '54': [
    ['藏族', 86],
    ['汉族', 12],
    ['门巴族', 1],
    ['回族', 1],
  ],
  '62': [
    ['汉族', 90],
    ['回族', 5],
    ['藏族', 2],
    ['东乡族', 2],
    ['土族', 1],
  ],
  '63': [
    ['汉族', 53],
    ['藏族', 25],
    ['回族', 15],
    ['土族', 4],
    ['撒拉族', 2],
    ['蒙古族', 1],
  ],
  '64': [
    ['汉族', 64],
    ['回族', 35],
    ['满族', 1],
  ],
  '65': [
    ['维吾尔族', 45],
    ['汉族', 42],
    ['哈萨克族', 7],
    ['回族', 4],
    ['柯尔克孜族', 1],
    ['蒙古族', 1],
  ],
};

export function ethnicityFor(rng: Prng, province: string): string {
  return rng.weighted(ETHNICITIES_BY_PROVINCE[province] ?? DEFAULT_ETHNICITIES);
}

const STREETS = [
  ...'人民路 解放路 建设路 中山路 和平路 新华路 胜利路 文化路 长江路 黄河路 朝阳路 东风路 青年路 光明路 学府路 幸福路 迎宾大道 滨江路 环城北路 府前街'.split(
    ' ',
  ),
];
const TOWNS = [
  ...'城关 新华 和平 长安 永安 太平 兴隆 青山 白沙 大桥 石桥 新城 东升 红星 柳河 龙泉 清水 双庙'.split(
    ' ',
  ),
];
const VILLAGES = [
  ...'张家 李庄 王营 前进 胜利 红旗 东风 新民 杨柳 桃园 高桥 马家 刘湾 塘头 中心 河西'.split(' '),
];

/** A street address below the county: urban for districts and cities, rural for counties. */
export function streetAddress(rng: Prng, countyName: string): string {
  if (/[区市]$/.test(countyName) && rng.chance(0.85)) {
    const base = `${rng.pick(STREETS)}${rng.int(1, 999)}号`;
    return rng.chance(0.6)
      ? `${base}${rng.int(1, 30)}幢${rng.int(1, 24)}0${rng.int(1, 4)}室`
      : base;
  }
  return `${rng.pick(TOWNS)}镇${rng.pick(VILLAGES)}村${rng.int(1, 12)}组${rng.int(1, 99)}号`;
}
