//! A minimal reader for 32-bit little-endian ELF files (the Cortex-M firmwares): section sizes
//! by name, and the sizes of symbols, for `cargo xtask size`. Std only.

use std::collections::BTreeMap;

const SHT_SYMTAB: u32 = 2;
const STT_OBJECT: u8 = 1;

/// What `cargo xtask size` needs from an ELF file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Elf {
    /// Section name -> size in bytes.
    pub sections: BTreeMap<String, u64>,
    /// Data symbols (`STT_OBJECT`): name (mangled) -> size in bytes.
    pub objects: Vec<(String, u64)>,
}

impl Elf {
    /// The size of section `name`, 0 if absent.
    pub fn section(&self, name: &str) -> u64 {
        self.sections.get(name).copied().unwrap_or(0)
    }

    /// Flash: `.text + .rodata + .data` (`.data`'s initial values live in flash).
    pub fn flash(&self) -> u64 {
        self.section(".text") + self.section(".rodata") + self.section(".data")
    }

    /// RAM: `.data + .bss` (static RAM; the stack is measured separately).
    pub fn ram(&self) -> u64 {
        self.section(".data") + self.section(".bss")
    }

    /// The total size of data symbols whose name contains `marker`.
    pub fn objects_containing(&self, marker: &str) -> u64 {
        self.objects
            .iter()
            .filter(|(n, _)| n.contains(marker))
            .map(|(_, s)| s)
            .sum()
    }
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("ELF truncated at {at}"))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("ELF truncated at {at}"))
}

fn c_str(b: &[u8], at: usize) -> Result<String, String> {
    let rest = b
        .get(at..)
        .ok_or_else(|| format!("string offset {at} out of range"))?;
    let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// One section header's fields that matter here.
struct Section {
    name: u32,
    kind: u32,
    offset: usize,
    size: usize,
    link: usize,
    entsize: usize,
}

/// Parses the section headers and the symbol table of a 32-bit little-endian ELF file.
pub fn parse(b: &[u8]) -> Result<Elf, String> {
    if b.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    if b.get(4) != Some(&1) || b.get(5) != Some(&1) {
        return Err("only 32-bit little-endian ELF files are supported".into());
    }
    let shoff = u32_at(b, 0x20)? as usize;
    let shentsize = u16_at(b, 0x2E)? as usize;
    let shnum = u16_at(b, 0x30)? as usize;
    let shstrndx = u16_at(b, 0x32)? as usize;
    if shentsize < 40 {
        return Err(format!("section header entries of {shentsize} bytes"));
    }
    let mut sections = Vec::with_capacity(shnum);
    for i in 0..shnum {
        let h = shoff + i * shentsize;
        sections.push(Section {
            name: u32_at(b, h)?,
            kind: u32_at(b, h + 4)?,
            offset: u32_at(b, h + 16)? as usize,
            size: u32_at(b, h + 20)? as usize,
            link: u32_at(b, h + 24)? as usize,
            entsize: u32_at(b, h + 36)? as usize,
        });
    }
    let names = sections
        .get(shstrndx)
        .ok_or("no section name table")?
        .offset;
    let mut elf = Elf::default();
    for s in &sections {
        let name = c_str(b, names + s.name as usize)?;
        if !name.is_empty() {
            *elf.sections.entry(name).or_default() += s.size as u64;
        }
        if s.kind == SHT_SYMTAB {
            let strtab = sections.get(s.link).ok_or("symbol table without strings")?;
            let entsize = if s.entsize == 0 { 16 } else { s.entsize };
            for k in 0..s.size / entsize {
                let e = s.offset + k * entsize;
                let info = *b.get(e + 12).ok_or("symbol truncated")?;
                if info & 0xF == STT_OBJECT {
                    let name = c_str(b, strtab.offset + u32_at(b, e)? as usize)?;
                    elf.objects.push((name, u64::from(u32_at(b, e + 8)?)));
                }
            }
        }
    }
    Ok(elf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made ELF: sections .text (100 bytes), .data (8), .bss (16), a symbol table with
    /// one object `_ZN1x11METRIC_ONE17hE` of 8 bytes and one function.
    fn sample() -> Vec<u8> {
        let shstr = b"\0.text\0.data\0.bss\0.symtab\0.strtab\0.shstrtab\0";
        let strtab = b"\0_ZN1x11METRIC_ONE17hE\0main\0";
        let mut symtab = vec![0u8; 16]; // the null symbol
        let sym = |name: u32, size: u32, info: u8| {
            let mut s = Vec::new();
            s.extend_from_slice(&name.to_le_bytes());
            s.extend_from_slice(&0u32.to_le_bytes());
            s.extend_from_slice(&size.to_le_bytes());
            s.extend_from_slice(&[info, 0, 1, 0]);
            s
        };
        symtab.extend(sym(1, 8, STT_OBJECT));
        symtab.extend(sym(23, 40, 2));
        let mut b = vec![0u8; 52];
        b[..6].copy_from_slice(b"\x7fELF\x01\x01");
        let at_shstr = b.len();
        b.extend_from_slice(shstr);
        let at_str = b.len();
        b.extend_from_slice(strtab);
        let at_sym = b.len();
        b.extend_from_slice(&symtab);
        let shoff = b.len();
        // (name, type, offset, size, link, entsize)
        let headers: [(u32, u32, usize, usize, u32, u32); 7] = [
            (0, 0, 0, 0, 0, 0),
            (1, 1, 0, 100, 0, 0),
            (7, 1, 0, 8, 0, 0),
            (13, 8, 0, 16, 0, 0),
            (18, SHT_SYMTAB, at_sym, symtab.len(), 5, 16),
            (26, 3, at_str, strtab.len(), 0, 0),
            (34, 3, at_shstr, shstr.len(), 0, 0),
        ];
        for (name, kind, offset, size, link, entsize) in headers {
            let mut h = [0u8; 40];
            h[0..4].copy_from_slice(&name.to_le_bytes());
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[16..20].copy_from_slice(&(offset as u32).to_le_bytes());
            h[20..24].copy_from_slice(&(size as u32).to_le_bytes());
            h[24..28].copy_from_slice(&link.to_le_bytes());
            h[36..40].copy_from_slice(&entsize.to_le_bytes());
            b.extend_from_slice(&h);
        }
        b[0x20..0x24].copy_from_slice(&(shoff as u32).to_le_bytes());
        b[0x2E..0x30].copy_from_slice(&40u16.to_le_bytes());
        b[0x30..0x32].copy_from_slice(&7u16.to_le_bytes());
        b[0x32..0x34].copy_from_slice(&6u16.to_le_bytes());
        b
    }

    #[test]
    fn reads_sections_and_objects() {
        let elf = parse(&sample()).unwrap();
        assert_eq!(elf.section(".text"), 100);
        assert_eq!(elf.flash(), 108);
        assert_eq!(elf.ram(), 24);
        assert_eq!(elf.objects_containing("METRIC_"), 8);
        assert_eq!(elf.objects.len(), 1, "functions are not objects");
    }

    #[test]
    fn rejects_other_files() {
        assert!(parse(b"#!/bin/sh\n").is_err());
        let mut b = sample();
        b[4] = 2; // 64-bit
        assert!(parse(&b).is_err());
        let b = sample();
        assert!(parse(&b[..60]).is_err(), "truncated");
    }
}
