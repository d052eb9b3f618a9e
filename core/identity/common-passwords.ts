/**
 * Most common passwords of 8+ characters (shorter ones are refused by length anyway), from the
 * public breach-corpus rankings (SecLists top lists, NCSC PwnedPasswords top 100k head), with
 * French favourites added. Kept small on purpose: the Worker bundle has a 400 KiB budget (P6);
 * a full 100k list would cost ~300 KiB.
 */
const LIST = `12345678 123456789 1234567890 password password1 password123 passw0rd qwertyuiop qwerty123
qwerty12 qwertyui 11111111 00000000 88888888 12341234 87654321 123123123 1q2w3e4r 1q2w3e4r5t
1qaz2wsx zaq12wsx abcd1234 abc12345 iloveyou iloveyou1 sunshine princess football baseball
welcome1 welcome123 letmein1 trustno1 superman starwars whatever computer internet michelle
jennifer corvette mercedes 987654321 1234qwer q1w2e3r4 q1w2e3r4t5 asdfghjk asdfghjkl zxcvbnm1
zxcvbnm123 changeme changeme123 administrator admin123 admin1234 password! p@ssw0rd p@ssword
football1 baseball1 monkey123 dragon123 master123 shadow123 michael1 charlie1 jordan23 hello123
liverpool chelsea1 arsenal1 manchester samsung1 blink182 pokemon1 iloveu123 lovelove 1qazxsw2
secret123 freedom1 whatever1 qwerty1234 asdf1234 test1234 testtest 12qwaszx 147258369 123654789
999999999 111111111 0123456789 11223344 123456789a a123456789 aa123456 abcdefgh abcdefg1
motdepasse motdepasse1 motdepasse123 azertyuiop azerty123 azerty1234 azertyui soleil123 marseille
marseille13 doudou123 chouchou loulou123 bonjour123 coucou123 jetaime1 jetaime123 nicolas1
doudoune camille1 isabelle stephanie sebastien alexandre francois fr4nc3 football123 olympique
parisien paris123 toulouse bordeaux nantes44 lyon1234 1234azer azer1234 minouche chocolat
callcenter callcenterrate ccr12345 bienvenue bienvenue1 welcome2024 welcome2025 welcome2026
summer2024 summer2025 winter2025 autumn2025 spring2025 hiver2025 ete20255 password2024
password2025 password2026 motdepasse2025 motdepasse2026`;

export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(LIST.split(/\s+/).filter((p) => p.length >= 8));
